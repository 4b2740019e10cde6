"""Services still answered from the guide (see ``guide/__init__.py``)."""

from core.features import Feature
from core.intents import Intent

FEATURE = Feature(
    name="guide",
    title="服务指南",
    intents=(
        Intent("guide.claims", title="可损通知与理赔", menu_keys=("CLAIMS",),
               words=("理赔", "索赔", "出险", "可损", "可损通知", "报损"),
               examples={"我要理赔": None, "理赔进度": None, "查询理赔进度": None}),
        Intent("guide.loans", title="信保贷与保单融资", menu_keys=("LOANS",),
               words=("贷款", "融资", "信保贷", "保单融资"),
               examples={"我想要贷款": None, "信保贷怎么申请": None}),
        Intent("guide.academy", title="小微学院", menu_keys=("ACADEMY",),
               words=("学院", "课程", "小微学院", "学习"), examples={"小微学院": None}),
        Intent("guide.academy_basics", title="必修课", words=("必修课",)),
        Intent("guide.academy_master", title="大师课", words=("大师课",)),
        Intent("guide.academy_cases", title="信保说案", menu_keys=("ACADEMY_CASES",),
               words=("信保说案", "案例", "理赔案例")),
        Intent("guide.academy_countries", title="国别图书馆", menu_keys=("ACADEMY_COUNTRIES",),
               words=("国别图书馆", "国别风险", "国家风险", "国别报告")),
        Intent("guide.academy_toolbox", title="小微工具箱", words=("小微工具箱", "工具箱")),
        Intent("guide.academy_alerts", title="风险预警", words=("风险预警", "预警订阅", "预警")),
    ),
    chat=("handlers.guide",),
)
