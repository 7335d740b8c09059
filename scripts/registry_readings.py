"""The readings behind data/projects.csv and data/status_history.csv (see registry_rows.py).

``SEEDS``: seed key → (file, date, the year its aims are for). ``PROJECTS``: one dict per project,
its name as the seed writes it (``name_added``: words the registry added). ``READINGS``: (project,
seed, verbatim quote, the wording read, note); the stage comes from the verb table.
"""

from __future__ import annotations

SEEDS = {
    "2020": ("002_68598ea19d7724ed.txt", "2020", "2020"),  # 2020 government work report
    "2021": ("001_f269fa21a520daeb.txt", "2021", "2021"),  # 2021 government work report
    "14th": ("004_1a100416ab643aa2.txt", "2021", "2025"),  # 14th Five-Year Plan (2021–2025)
    "2022": ("003_e4b15bf47fed1ef6.txt", "2022-03-31", ""),  # Jinhua committee meeting
}

NO_POS = ("未找到公开定位", "No public position found")
NETWORK = ("未说明位置或走向", "No position or alignment given")
ALIGN = ("走向未知", "Alignment not known")
DIRECTION = ("名称只说明方位，未找到位置", "The name gives only a direction; no position found")


def P(pid, name, en, layer, cat, fids="", added="", why=None, note=""):
    """One project row."""
    zh_why, en_why = why if why else ("", "")
    return {
        "project_id": pid, "name": name, "name_en": en, "layer": layer, "feature_ids": fids,
        "category": cat, "name_added": added, "unplaced_reason": zh_why,
        "unplaced_reason_en": en_why, "note": note,
    }  # fmt: skip


BANKS = ";".join(
    f"bank-{r}-{s}" for r in ("yongkangjiang", "huaxi", "nanxi") for s in ("left", "right")
)
RR, PK, UV, MP = "ring_roads", "parks", "urban_villages", "micro_enterprise_parks"
PF, PU, CT, SJ = "platforms", "public_facilities", "culture_tourism", "sanjiang_liuan"

PROJECTS = [
    # --- roads and rail --------------------------------------------------------------------
    P("nansihuan-wujin-nandu", "南四环（五金大道—南都路）", "South 4th Ring Road (Wujin Ave – Nandu Rd)", RR, "road", "road-nansihuan-wujin-nandu", note="The 2021 report calls this section 南四环（南都路—五金大道）."),
    P("nansihuan-nandu-g330", "南四环（南都路—330国道）", "South 4th Ring Road (Nandu Rd – G330)", RR, "road", "road-nansihuan-nandu-g330"),
    P("beisanhuan", "北三环", "North 3rd Ring Road", RR, "road", "road-beisanhuan"),
    P("jiefang-nanlu", "解放南路（南三环—南四环）", "Jiefang South Road (S 3rd Ring – S 4th Ring)", RR, "road", "road-jiefang-nanlu"),
    P("shenglijie-ext", "胜利街延伸段工程", "Shengli Street extension", RR, "road", "road-shenglijie-ext"),
    P("jiuling-xilu", "九铃西路改造", "Jiuling West Road reconstruction", RR, "road", "road-jiuling-xilu", note="The 2020 report lists it with the city entrances: 实施九铃西路、西入城口、东入城口改造提升工程."),
    P("west-entrance", "西入城口改造提升工程", "West city entrance upgrade", RR, "road", "road-west-entrance", added="改造提升工程", note="The seed lists 九铃西路、西入城口、东入城口 before one 改造提升工程."),
    P("east-entrance", "永康东入城口道路提升改造工程", "East city entrance road upgrade", RR, "road", "road-east-entrance"),
    P("nandu-jinsheng-ext", "南都路及金胜路延伸工程", "Nandu Road and Jinsheng Road extensions", RR, "road", "road-nandulu-ext", note="Only the 南都路 extension is drawn; 金胜路 could not be located."),
    P("old-g330", "老330国道提升工程", "Old G330 upgrade", RR, "road", "road-old-g330"),
    P("new-g330", "新330国道", "New G330", RR, "road", why=ALIGN, note="Bypass alignment not known."),
    P("dongyong-2", "东永二线拓宽工程", "Dong-Yong Road No. 2 widening", RR, "road", "road-dongyong-2", note="Which stretch is widened is not given: the whole road is drawn."),
    P("dongyong-1", "东永一线美丽经济带连接工程", "Dong-Yong Road No. 1 scenic economic belt link", RR, "road", "road-dongyong-1"),
    P("fangyan-link", "方岩大道及连接线", "Fangyan Avenue and link road", RR, "road", "road-fangyan-link", note="The 2020 report calls the work 方岩连接线提升工程."),
    P("jintai-railway", "金台铁路", "Jinhua–Taizhou Railway", RR, "rail", "rail-jintai"),
    P("yongwu-expressway", "永武快速路", "Yongkang–Wuyi expressway", RR, "road", "road-yongwu-expressway"),
    P("yongyi-muqu", "永义公路木渠段", "Yong-Yi Highway (Muqu section)", RR, "road", why=("木渠的位置未找到", "木渠 could not be located")),
    P("hangli-hsr", "杭丽高铁", "Hangzhou–Lishui high-speed railway", RR, "rail", why=ALIGN, note="Regional line; the aim was inclusion in the provincial 14th Five-Year transport plan."),
    P("yiwu-songlong-expressway", "义武松龙高速", "Yiwu–Wuyi–Songyang–Longquan expressway", RR, "road", why=ALIGN),
    P("wenyihe-expressway", "温义合高速", "Wenzhou–Yiwu–Hefei expressway", RR, "road", why=ALIGN),
    P("s313-yongkang", "313省道永康段", "S313 (Yongkang section)", RR, "road", why=ALIGN),
    P("trunk-s316-s218-s211", "S316、S218、S211等干线", "Trunk roads S316, S218, S211", RR, "road", why=ALIGN),
    P("yilong-dongyong-links", "义龙高速及东永高速连接线", "Link roads to the Yi-Long and Dong-Yong expressways", RR, "road", why=ALIGN),
    P("yongkang-south-siding", "永康南站存车线", "Yongkang South station sidings", RR, "rail", why=("永康南站的位置未核实", "Station position not verified")),
    P("general-airport", "永康通用机场", "Yongkang general aviation airport", RR, "airport", why=("场址未公布", "Site not known")),
    P("expressway-network", "永康快速路网", "Yongkang expressway network", RR, "road", why=ALIGN, note="Named as a request for support from Jinhua."),
    # --- rivers and parks --------------------------------------------------------------------
    P("sanjiang-liuan", "三江六岸工程", "Three rivers and six banks works", SJ, "river", BANKS),
    P("sanjiang-liuan-phase2", "三江六岸提升二期工程", "Three rivers and six banks, phase 2", SJ, "river", why=("未说明二期包括哪几段河岸", "Which banks belong to phase 2 is not given")),
    P("nanxiwan-wetland-park", "南溪湾生态湿地公园", "Nanxi Bay Ecological Wetland Park", PK, "park", "park-nanxiwan-wetland", note="The 2021 report calls it 南溪湾生态湿地景观公园工程."),
    P("tashan-park", "塔山公园改造提升", "Tashan Park upgrade", PK, "park", "park-tashan", added="改造提升"),
    P("xiangzhang-park", "香樟公园改造提升", "Xiangzhang Park upgrade", PK, "park", "park-xiangzhang", added="改造提升"),
    P("longchuan-park", "龙川公园改造提升", "Longchuan Park upgrade", PK, "park", "park-longchuan"),
    P("lishan-forest-park", "历山省级森林公园", "Lishan Provincial Forest Park", PK, "park", why=("历山的位置不能可靠确定", "The position of 历山 is not known reliably")),
    P("sports-park", "综合性体育公园和全民健身中心", "Sports park and fitness centre", PK, "park", why=NO_POS),
    # --- renewal -------------------------------------------------------------------------------
    P("uv-xishantou", "西山头区块", "Xishantou block", UV, "urban_village", "uv-xishantou"),
    P("uv-dongku", "东库区块", "Dongku block", UV, "urban_village", "uv-dongku"),
    P("uv-zhoutang", "周塘区块", "Zhoutang block", UV, "urban_village", "uv-zhoutang", added="区块"),
    P("uv-yingjia", "应家区块", "Yingjia block", UV, "urban_village", "uv-yingjia", added="区块"),
    P("uv-shanheli", "山荷里区块", "Shanheli block", UV, "urban_village", "uv-shanheli", added="区块"),
    P("uv-xumatou", "许码头区块", "Xumatou block", UV, "urban_village", "uv-xumatou", added="区块"),
    P("uv-huangtang", "黄棠区块", "Huangtang block", UV, "urban_village", "uv-huangtang", added="区块"),
    P("tianchuan-future-community", "田川未来社区", "Tianchuan Future Community", UV, "future_community", "uv-tianchuan-future"),
    P("old-neighbourhoods", "老旧小区改造", "Old residential neighbourhood renewal", UV, "renewal", why=("未列出是哪些小区", "The neighbourhoods are not listed")),
    P("beautiful-streets", "美丽示范街", "Model beautiful streets", UV, "renewal", why=("未列出是哪些街道", "The streets are not listed")),
    P("fourth-gen-housing", "第四代住宅项目", "Fourth-generation housing project", UV, "renewal", why=NO_POS),
    # --- micro-enterprise parks ----------------------------------------------------------------
    P("mep-smart-lock", "智能门锁特色产业园区", "Smart-lock themed industrial park", MP, "micro_enterprise_park", "mep-smart-lock", added="特色产业园区"),
    P("mep-thermos", "保温杯壶特色产业园区", "Vacuum-flask themed industrial park", MP, "micro_enterprise_park", "mep-thermos", added="特色产业园区"),
    P("mep-health-medical", "健康医疗特色产业园区", "Health and medical themed industrial park", MP, "micro_enterprise_park", "mep-health-medical", added="特色产业园区"),
    # --- platforms -----------------------------------------------------------------------------
    P("economic-development-zone", "经济开发区", "Economic development zone", PF, "development_zone", why=NO_POS),
    P("agri-equipment-park", "现代农业装备高新园区", "Modern agricultural equipment high-tech park", PF, "development_zone", why=NO_POS),
    P("wanmu-qianyi", "“万亩千亿”平台", "'10,000 mu, 100 billion' industrial platform", PF, "development_zone", why=NO_POS),
    P("hardware-logistics-port", "中国五金物流港", "China Hardware Logistics Port", PF, "logistics", why=NO_POS, note="The 14th Five-Year Plan writes 中国(永康)五金物流港."),
    P("headquarters-centre", "总部中心", "Headquarters centre", PF, "headquarters", why=NO_POS),
    P("huangchengli-complex", "黄城里综合体", "Huangchengli complex", PF, "commercial", why=NO_POS),
    P("chengxi-new-district", "城西新区", "Chengxi New District", PF, "development_zone", why=DIRECTION),
    P("zheshang-return-park", "浙商回归园", "Zhejiang Merchants' Return Park", PF, "development_zone", why=NO_POS),
    P("jiangnan-new-town", "江南山水新城", "Jiangnan Shanshui New Town", PF, "new_town", "pf-jiangnan-new-town"),
    P("financial-centre", "金融中心", "Financial centre", PF, "headquarters", why=NO_POS),
    P("hardware-materials-market", "五金生产资料市场搬迁", "Hardware materials market relocation", PF, "market", why=("未说明迁出与迁入地点", "Neither the old nor the new site is given")),
    P("ecommerce-service-centre", "公共电商服务中心", "Public e-commerce service centre", PF, "service_centre", why=NO_POS),
    P("central-warehousing-park", "中央仓储园", "Central warehousing park", PF, "logistics", why=NO_POS),
    P("baolong-plaza", "解放街宝龙广场", "Powerlong Plaza, Jiefang Street", PF, "commercial", "pf-baolong-plaza"),
    P("innovation-service-complex", "五金产业创新服务综合体", "Hardware industry innovation service complex", PF, "service_centre", why=NO_POS),
    P("industrial-design-institute", "中国五金工业设计院", "China Hardware Industrial Design Institute", PF, "service_centre", why=NO_POS),
    P("hr-services-park", "五金人力资源服务产业园", "Hardware human-resources services park", PF, "service_centre", why=NO_POS),
    P("recycling-cluster", "资源循环利用产业集聚区", "Resource recycling industry cluster", PF, "industrial_cluster", why=NO_POS),
    P("agri-processing-park", "农产品深加工集聚园区", "Agricultural products processing park", PF, "industrial_cluster", why=NO_POS),
    P("dry-port", "无水港", "Dry port", PF, "logistics", why=NO_POS),
    P("livestream-centre", "中国五金直播中心", "China hardware live-streaming centre", PF, "service_centre", why=NO_POS),
    # --- public facilities ---------------------------------------------------------------------
    P("technician-college", "五金技师学院", "Hardware Technician College", PU, "school", why=NO_POS),
    P("civic-centre", "市民中心", "Civic centre", PU, "civic", why=NO_POS, note="The 14th Five-Year Plan: 建成多功能市民中心."),
    P("admin-service-centre", "行政服务中心搬迁", "Administrative service centre relocation", PU, "civic", why=("未说明迁往何处", "The new site is not given")),
    P("funeral-home", "殡仪馆迁建工程", "Funeral home relocation", PU, "funeral", why=NO_POS),
    P("qianjinshan-cemetery", "千金山陵园二期工程", "Qianjinshan Cemetery phase 2", PU, "funeral", why=("千金山的位置未找到", "千金山 could not be located")),
    P("health-school", "卫校搬迁改造", "Health school relocation", PU, "school", why=("未说明迁往何处", "The new site is not given")),
    P("teachers-school-annex", "教师进修学校附中", "Teachers' college affiliated middle school", PU, "school", why=NO_POS),
    P("town-kindergartens-4", "4所镇级公办幼儿园工程", "Four town public kindergartens", PU, "kindergarten", why=("未说明是哪4所", "Which four is not said")),
    P("fangyan-new-district-school", "方岩新区小学", "Fangyan New District primary school", PU, "school", why=("方岩新区的位置未找到（未必在方岩镇）", "方岩新区 could not be located (not necessarily in 方岩镇)")),
    P("foreign-language-school", "外国语学校", "Foreign Language School", PU, "school", why=NO_POS),
    P("chengxi-middle-school", "城西初中", "Chengxi middle school", PU, "school", why=DIRECTION),
    P("chengbei-middle-school", "城北初中", "Chengbei middle school", PU, "school", why=DIRECTION),
    P("xin-dasixiang-school", "新大司巷小学", "New Dasixiang primary school", PU, "school", why=NO_POS),
    P("kg-fangyan-2", "方岩第二中心幼儿园", "Fangyan No. 2 central kindergarten", PU, "kindergarten", "pu-kg-fangyan-2", added="第二中心幼儿园"),
    P("kg-qiancang-2", "前仓第二中心幼儿园", "Qiancang No. 2 central kindergarten", PU, "kindergarten", "pu-kg-qiancang-2", added="第二中心幼儿园"),
    P("kg-zhiying-2", "芝英第二中心幼儿园", "Zhiying No. 2 central kindergarten", PU, "kindergarten", "pu-kg-zhiying-2"),
    P("kg-xiangzhu-2", "象珠第二中心幼儿园", "Xiangzhu No. 2 central kindergarten", PU, "kindergarten", "pu-kg-xiangzhu-2", added="第二中心幼儿园"),
    P("kg-gushan-2", "古山第二中心幼儿园", "Gushan No. 2 central kindergarten", PU, "kindergarten", "pu-kg-gushan-2"),
    P("first-peoples-hospital", "第一人民医院", "First People's Hospital", PU, "hospital", why=NO_POS),
    P("north-reservoir-link", "北部水库联网工程", "Northern reservoir interconnection", PU, "water", why=NETWORK),
    P("south-reservoir-link", "南部水库联网工程", "Southern reservoir interconnection", PU, "water", why=NETWORK),
    P("external-water-transfer", "境外引水项目", "Water transfer from outside the city", PU, "water", why=NETWORK),
    P("waterworks-link", "规模水厂联网工程", "Waterworks interconnection", PU, "water", why=NETWORK),
    P("flood-defence", "城市防洪工程", "Urban flood defence works", PU, "water", why=NETWORK),
    P("sewage-works", "污水处理厂新(扩)建", "Sewage works, new and extended", PU, "water", why=NETWORK),
    # --- culture and tourism -------------------------------------------------------------------
    P("jiefangjie-historic-district", "解放街历史文化街区", "Jiefang Street historic district", CT, "historic_street", "ct-jiefangjie"),
    P("yanxia-old-street", "岩下老街", "Yanxia old street", CT, "historic_street", why=("岩下的位置未找到", "岩下 could not be located"), note="The 14th Five-Year Plan: 民国风情岩下老街."),
    P("fangyan-scenic-area", "方岩景区旅游开发项目", "Fangyan scenic area tourism development", CT, "scenic_area", "ct-fangyan-scenic", note="The 14th Five-Year Plan: 建设方岩旅游景区核心区."),
    P("zhiying-ancient-town", "芝英“千年古城”", "Zhiying 'thousand-year town'", CT, "historic_town", "ct-zhiying-ancient-town", added="“千年古城”", note="The 2020 report: 芝英、方岩启动“千年古城”建设; the 14th Five-Year Plan: 千年古镇、缙州古城."),
    P("fangyan-ancient-town", "方岩“千年古城”", "Fangyan 'thousand-year town'", CT, "historic_town", "ct-fangyan-ancient-town", added="“千年古城”"),
    P("dahanshan-resort", "大寒山（清泉寺）运动休闲康养旅游区", "Dahanshan (Qingquan Temple) sports, leisure and wellness area", CT, "scenic_area", why=("大寒山的位置未找到", "大寒山 could not be located")),
    P("yuanzhou-baiyun-leisure", "园周—白云运动休闲区", "Yuanzhou–Baiyun sports and leisure area", CT, "leisure_area", why=("园周、白云的位置未找到", "园周 and 白云 could not be located")),
    P("film-base", "总部中心影视现代剧拍摄基地", "Headquarters centre film base", CT, "creative_quarter", why=NO_POS),
    P("sifang-creative-centre", "四方老厂区综合文创中心", "Sifang old factory creative centre", CT, "creative_quarter", why=NO_POS),
    P("chengbei-culture-education", "城北文教聚集区块", "Chengbei culture and education quarter", CT, "creative_quarter", why=DIRECTION),
    P("houwu-village", "厚吴村", "Houwu Village", CT, "historic_village", why=("厚吴村的位置未找到", "厚吴村 could not be located")),
]  # fmt: skip

# --- quotes used by several readings -----------------------------------------------------------
Q20_JIANGNAN = "启动江南山水新城建设，深化城市设计、水系、景观等专项规划，完成市民中心方案设计，开工建设南四环（五金大道—南都路）、解放南路（南三环—南四环）、南都路及金胜路延伸工程。"
Q20_CITY_TRAFFIC = "优化市域交通，做好313省道永康段等项目前期，南四环（南都路—330国道）建成通车，北三环基本完成路基工程，实施东永二线拓宽工程。"
Q20_REGION = "谋划区域交通，争取杭丽高铁、义武松龙高速、温义合高速纳入省“十四五”交通规划，金台铁路全线通车，永义公路木渠段基本完工，推动永武快速路建设。"
Q20_ENTRANCES = "实施九铃西路、西入城口、东入城口改造提升工程。"
Q20_UV = "加快城中村改造，西山头区块完成验收，东库区块结顶，周塘、应家、山荷里开工建设，许码头、黄棠启动改造。"
Q20_MEP = "多模式建设小微企业园，新开工建设10个，打造智能门锁、保温杯壶、健康医疗等特色产业园区，创建省星级小微园。"
Q20_SPACE = "拓展经济开发区、城西新区、浙商回归园等区块发展空间。"
Q20_SCHOOLS = "方岩新区小学开工建设，外国语学校、城西初中、城北初中、新大司巷小学投入使用。"
Q20_KG = "建成方岩、前仓、芝英第二中心幼儿园，开工建设象珠、古山第二中心幼儿园，实现镇级公办幼儿园全覆盖。"
Q20_WATER = "深化饮用水达标提标工程，北部水库联网工程完工，启动南部水库联网工程，谋划境外引水项目。"
Q20_FUNERAL = "殡仪馆迁建、千金山陵园二期工程开工建设。"
Q20_ECOM = "公共电商服务中心、中央仓储园投入使用。"
Q20_PORT = "中国五金物流港、黄城里综合体开工建设。"
Q20_DESIGN = "筹建中国五金工业设计院，五金产业创新服务综合体投入使用。"
Q20_TECH = "加快建设五金技师学院，引进领军人才10名、紧缺人才100名。"
Q20_TOWNS = "芝英、方岩启动“千年古城”建设。"
Q20_FANGYAN = (
    "加快方岩景区旅游开发项目建设，实施方岩连接线提升工程，创建省景区镇2个、国家卫生乡镇4个。"
)
Q21_ROADS = "城市内部以“建设快速路、打通断头路、形成城市环线”为重点，实施南四环（南都路—五金大道）、解放南路工程、胜利街延伸段工程、九铃西路改造，北三环全线贯通，形成城区的三环线框架。"
Q21_G330 = "谋划实施义武松龙高速、S316、S218、S211 等干线，全线开通新330国道；"
Q21_STREETS = "打好“拆改建”组合拳，实施美丽示范街三年计划，加快推进入城口及老旧小区改造，完成永康东入城口道路提升改造工程。"
Q21_PARKS = "全面完成三江六岸工程，启动塔山公园、香樟公园、龙川公园改造提升，加快推进南溪湾生态湿地景观公园工程，建设口袋公园和社区公园 20 个以上。"
Q21_PLATFORMS = "全面提升扩面经济开发区、现代农业装备高新园区等 2 个省级产业园区；建设发展中国五金物流港、总部中心等 2 个服务业平台；"
Q21_ZONE_REFORM = "探索创新经济开发区、总部中心体制机制，全面开展开发区（园区）整合提升工作。"
Q21_MARKET = (
    "完成省级两业“融合”试点和五金生产资料市场搬迁，开工建设金融中心，争创省现代服务业创新发展区。"
)
Q21_TECH = "加快建设五金技师学院、五金人力资源服务产业园，推广现代学徒制和企业新型学徒制。"
Q21_SCHOOL = "教师进修学校附中及4所镇级公办幼儿园工程完工。"
Q21_TOURISM = "规划建设大寒山（清泉寺）运动休闲康养旅游区和园周—白云运动休闲区。建设总部中心影视现代剧拍摄基地。"
Q14_TRANSPORT = "实施义龙高速及东永高速连接线、开通新330国道等项目建设"
Q14_CULTURE = "建设方岩旅游景区核心区、四方老厂区综合文创中心、城北文教聚集区块,打造解放街特色文化街区、民国风情岩下老街,支持芝英镇打造“千年古镇、缙州古城”,支持厚吴村建设"
Q14_WATER = "实施规模水厂联网工程,加快城市防洪工程建设"
Q14_TECH = "建成五金技师学院"

READINGS = [
    # roads and rail
    ("nansihuan-wujin-nandu", "2020", Q20_JIANGNAN, "开工建设", ""),
    ("nansihuan-wujin-nandu", "2021", Q21_ROADS, "实施", "实施 names the project but no stage: the 2020 target stands."),
    ("nansihuan-nandu-g330", "2020", Q20_CITY_TRAFFIC, "建成通车", ""),
    ("beisanhuan", "2020", Q20_CITY_TRAFFIC, "基本完成路基工程", "The roadbed substantially finished: still a construction stage."),
    ("beisanhuan", "2021", Q21_ROADS, "全线贯通", ""),
    ("jiefang-nanlu", "2020", Q20_JIANGNAN, "开工建设", ""),
    ("jiefang-nanlu", "2021", Q21_ROADS, "实施", "The 2021 report writes 解放南路工程."),
    ("jiefang-nanlu", "14th", "建设舒展城区交通的解放南路等路网", "建设", ""),
    ("shenglijie-ext", "2021", Q21_ROADS, "实施", ""),
    ("jiuling-xilu", "2020", Q20_ENTRANCES, "实施", ""),
    ("jiuling-xilu", "2021", Q21_ROADS, "实施", ""),
    ("west-entrance", "2020", Q20_ENTRANCES, "实施", ""),
    ("east-entrance", "2020", Q20_ENTRANCES, "实施", ""),
    ("east-entrance", "2021", Q21_STREETS, "完成", ""),
    ("nandu-jinsheng-ext", "2020", Q20_JIANGNAN, "开工建设", ""),
    ("old-g330", "2020", "打造畅通城市，开展交通治堵专项行动，启动老330国道提升工程，整治城市堵点10个，优化十字路口30个。", "启动", ""),
    ("new-g330", "2021", Q21_G330, "全线开通", ""),
    ("new-g330", "14th", Q14_TRANSPORT, "开通", "The five-year plan's 2025 is a deadline; the 2021 report's aim for 2021 is the target."),
    ("dongyong-2", "2020", Q20_CITY_TRAFFIC, "实施", ""),
    ("dongyong-1", "14th", "实施东永一线美丽经济带连接工程", "实施", ""),
    ("fangyan-link", "2020", Q20_FANGYAN, "实施", "The 2020 report: 方岩连接线提升工程."),
    ("fangyan-link", "14th", "改造提升方岩大道及连接线等通景公路", "改造提升", ""),
    ("jintai-railway", "2020", Q20_REGION, "全线通车", ""),
    ("jintai-railway", "14th", "提升金台铁路货运功能", "提升", "Freight capacity of the line opened in 2020."),
    ("yongwu-expressway", "2020", Q20_REGION, "推动", ""),
    ("yongyi-muqu", "2020", Q20_REGION, "基本完工", ""),
    ("hangli-hsr", "2020", Q20_REGION, "争取…纳入", "The aim: inclusion in the provincial 14th Five-Year transport plan."),
    ("yiwu-songlong-expressway", "2020", Q20_REGION, "争取…纳入", ""),
    ("yiwu-songlong-expressway", "2021", Q21_G330, "谋划实施", ""),
    ("wenyihe-expressway", "2020", Q20_REGION, "争取…纳入", ""),
    ("s313-yongkang", "2020", Q20_CITY_TRAFFIC, "做好…前期", ""),
    ("trunk-s316-s218-s211", "2021", Q21_G330, "谋划实施", ""),
    ("yilong-dongyong-links", "14th", Q14_TRANSPORT, "实施", ""),
    ("yongkang-south-siding", "14th", "谋划实施永康南站存车线建设", "谋划实施", ""),
    ("general-airport", "14th", "启动永康通用机场建设", "启动", ""),
    ("expressway-network", "2022", "要求金华市级相关部门倾 全力支持永康建设省级 万亩千亿 平 台、创建省现代农机技术创新中心、连 接永康快速路网建设", "支持", "A request for Jinhua's support; no stage, no year."),
    # rivers and parks
    ("sanjiang-liuan", "2021", Q21_PARKS, "全面完成", ""),
    ("sanjiang-liuan-phase2", "2020", "完成三江六岸提升二期工程，加快推进南溪湾生态湿地公园等项目。", "完成", "Phase 2 only."),
    ("nanxiwan-wetland-park", "2020", "完成三江六岸提升二期工程，加快推进南溪湾生态湿地公园等项目。", "加快推进", ""),
    ("nanxiwan-wetland-park", "2021", Q21_PARKS, "加快推进", ""),
    ("tashan-park", "2021", Q21_PARKS, "启动", ""),
    ("xiangzhang-park", "2021", Q21_PARKS, "启动", ""),
    ("longchuan-park", "2021", Q21_PARKS, "启动", ""),
    ("lishan-forest-park", "2020", "打造森林康养基地，启动历山省级森林公园项目。", "启动", ""),
    ("sports-park", "14th", "打造综合性体育公园和全民健身中心", "打造", ""),
    # renewal
    ("uv-xishantou", "2020", Q20_UV, "完成验收", ""),
    ("uv-dongku", "2020", Q20_UV, "结顶", ""),
    ("uv-zhoutang", "2020", Q20_UV, "开工建设", ""),
    ("uv-yingjia", "2020", Q20_UV, "开工建设", ""),
    ("uv-shanheli", "2020", Q20_UV, "开工建设", ""),
    ("uv-xumatou", "2020", Q20_UV, "启动", ""),
    ("uv-huangtang", "2020", Q20_UV, "启动", ""),
    ("tianchuan-future-community", "2020", "打造新型城市单元，田川未来社区开工建设，探索实施第四代住宅项目。", "开工建设", ""),
    ("fourth-gen-housing", "2020", "打造新型城市单元，田川未来社区开工建设，探索实施第四代住宅项目。", "探索实施", ""),
    ("old-neighbourhoods", "2021", Q21_STREETS, "加快推进", ""),
    ("old-neighbourhoods", "14th", "加快城区老旧小区蝶变行动", "加快", ""),
    ("beautiful-streets", "2021", Q21_STREETS, "实施", "A three-year plan (美丽示范街三年计划)."),
    # micro-enterprise parks
    ("mep-smart-lock", "2020", Q20_MEP, "打造", ""),
    ("mep-thermos", "2020", Q20_MEP, "打造", ""),
    ("mep-health-medical", "2020", Q20_MEP, "打造", ""),
    # platforms
    ("economic-development-zone", "2020", Q20_SPACE, "拓展…发展空间", ""),
    ("economic-development-zone", "2021", Q21_ZONE_REFORM, "探索", ""),
    ("economic-development-zone", "2021", Q21_PLATFORMS, "提升扩面", ""),
    ("agri-equipment-park", "2021", Q21_PLATFORMS, "提升扩面", ""),
    ("wanmu-qianyi", "2020", "全力拓展“万亩千亿”平台，高水平编制国土空间“一张图”，全面推进“多规合一”。", "拓展", ""),
    ("wanmu-qianyi", "2022", "要求金华市级相关部门倾 全力支持永康建设省级 万亩千亿 平 台", "支持", ""),
    ("hardware-logistics-port", "2020", Q20_PORT, "开工建设", ""),
    ("hardware-logistics-port", "2021", Q21_PLATFORMS, "建设发展", ""),
    ("hardware-logistics-port", "14th", "加快总部中心能级提升,建设中国(永康)五金物流港", "建设", ""),
    ("headquarters-centre", "2021", Q21_ZONE_REFORM, "探索", ""),
    ("headquarters-centre", "2021", Q21_PLATFORMS, "建设发展", ""),
    ("headquarters-centre", "14th", "加快总部中心能级提升", "加快", ""),
    ("huangchengli-complex", "2020", Q20_PORT, "开工建设", ""),
    ("chengxi-new-district", "2020", Q20_SPACE, "拓展…发展空间", ""),
    ("zheshang-return-park", "2020", Q20_SPACE, "拓展…发展空间", ""),
    ("jiangnan-new-town", "2020", Q20_JIANGNAN, "启动", ""),
    ("financial-centre", "2021", Q21_MARKET, "开工建设", ""),
    ("hardware-materials-market", "2021", Q21_MARKET, "完成", ""),
    ("ecommerce-service-centre", "2020", Q20_ECOM, "投入使用", ""),
    ("central-warehousing-park", "2020", Q20_ECOM, "投入使用", ""),
    ("baolong-plaza", "2020", "建设放心消费街区1个，解放街宝龙广场投入运营。", "投入运营", ""),
    ("innovation-service-complex", "2020", Q20_DESIGN, "投入使用", ""),
    ("industrial-design-institute", "2020", Q20_DESIGN, "筹建", ""),
    ("hr-services-park", "2021", Q21_TECH, "加快建设", ""),
    ("hr-services-park", "14th", "建设五金人力资源服务产业园", "建设", ""),
    ("recycling-cluster", "14th", "推进资源循环利用产业集聚区建设", "推进", ""),
    ("agri-processing-park", "2020", "谋划农产品深加工集聚园区，延伸产业链、提高附加值。", "谋划", ""),
    ("dry-port", "2020", "优化无水港功能，促进产业集群和跨境电商深度融合发展", "优化", ""),
    ("livestream-centre", "2021", "打造中国五金直播中心", "打造", ""),
    # public facilities
    ("technician-college", "2020", Q20_TECH, "加快建设", ""),
    ("technician-college", "2021", Q21_TECH, "加快建设", ""),
    ("technician-college", "14th", Q14_TECH, "建成", ""),
    ("civic-centre", "2020", Q20_JIANGNAN, "完成…方案设计", "The design is finished."),
    ("civic-centre", "14th", "建成多功能市民中心", "建成", ""),
    ("admin-service-centre", "2021", "谋划行政服务中心搬迁，高标准推进市镇村政务服务体系建设。", "谋划", ""),
    ("funeral-home", "2020", Q20_FUNERAL, "开工建设", ""),
    ("funeral-home", "2021", "开工建设殡仪馆迁建工程", "开工建设", ""),
    ("qianjinshan-cemetery", "2020", Q20_FUNERAL, "开工建设", ""),
    ("health-school", "2021", "加速推进卫校搬迁改造", "加速推进", ""),
    ("teachers-school-annex", "2021", Q21_SCHOOL, "完工", ""),
    ("town-kindergartens-4", "2021", Q21_SCHOOL, "完工", ""),
    ("fangyan-new-district-school", "2020", Q20_SCHOOLS, "开工建设", ""),
    ("foreign-language-school", "2020", Q20_SCHOOLS, "投入使用", ""),
    ("chengxi-middle-school", "2020", Q20_SCHOOLS, "投入使用", ""),
    ("chengbei-middle-school", "2020", Q20_SCHOOLS, "投入使用", ""),
    ("xin-dasixiang-school", "2020", Q20_SCHOOLS, "投入使用", ""),
    ("kg-fangyan-2", "2020", Q20_KG, "建成", ""),
    ("kg-qiancang-2", "2020", Q20_KG, "建成", ""),
    ("kg-zhiying-2", "2020", Q20_KG, "建成", ""),
    ("kg-xiangzhu-2", "2020", Q20_KG, "开工建设", ""),
    ("kg-gushan-2", "2020", Q20_KG, "开工建设", ""),
    ("first-peoples-hospital", "2020", "改造提升第一人民医院，中医院争创三级乙等医院。", "改造提升", "The 2021 report's 启动第一人民医院三级甲等综合性医院创建 is an accreditation, not works: not read."),
    ("north-reservoir-link", "2020", Q20_WATER, "完工", ""),
    ("south-reservoir-link", "2020", Q20_WATER, "启动", ""),
    ("external-water-transfer", "2020", Q20_WATER, "谋划", ""),
    ("waterworks-link", "14th", Q14_WATER, "实施", ""),
    ("flood-defence", "14th", Q14_WATER, "加快", ""),
    ("sewage-works", "14th", "推进污水处理厂新(扩)建及配套管网建设", "推进", ""),
    # culture and tourism
    ("jiefangjie-historic-district", "2020", "继续实施百幢文物抢救工程，启动解放街历史文化街区建设。", "启动", ""),
    ("jiefangjie-historic-district", "2021", "推动解放街历史文化遗存保护挖掘，编撰《永康文献》丛书。", "推动", ""),
    ("jiefangjie-historic-district", "14th", Q14_CULTURE, "打造", "The 14th Five-Year Plan: 打造解放街特色文化街区."),
    ("yanxia-old-street", "14th", Q14_CULTURE, "打造", ""),
    ("fangyan-scenic-area", "2020", Q20_FANGYAN, "加快", ""),
    ("fangyan-scenic-area", "14th", Q14_CULTURE, "建设", "建设方岩旅游景区核心区."),
    ("zhiying-ancient-town", "2020", Q20_TOWNS, "启动", ""),
    ("zhiying-ancient-town", "14th", Q14_CULTURE, "支持", "支持芝英镇打造“千年古镇、缙州古城”."),
    ("fangyan-ancient-town", "2020", Q20_TOWNS, "启动", ""),
    ("dahanshan-resort", "2021", Q21_TOURISM, "规划建设", ""),
    ("yuanzhou-baiyun-leisure", "2021", Q21_TOURISM, "规划建设", ""),
    ("film-base", "2021", Q21_TOURISM, "建设", ""),
    ("sifang-creative-centre", "14th", Q14_CULTURE, "建设", ""),
    ("chengbei-culture-education", "14th", Q14_CULTURE, "建设", ""),
    ("houwu-village", "14th", Q14_CULTURE, "支持", ""),
]  # fmt: skip
