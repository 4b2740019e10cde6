"""营业机构: 中国信保's 25 branch offices and the places each covers."""

from core.features import Feature
from core.intents import Intent

FEATURE = Feature(
    name="branches",
    title="营业机构",
    intents=(
        Intent("branches.list", title="营业机构", menu_keys=("BRANCHES",),
               words=("网点", "分公司", "联系", "营业机构", "联系方式", "电话", "办事处",
                      "联系我们")),
        # A place next to a branch word, short texts only: "网点 宁波", "贵州归哪个分公司". The
        # argument is the whole sentence: branches.look_up finds the place in it.
        Intent("branches.find", title="查找负责当地的营业机构", slot="place",
               patterns=(r"(?P<place>.{0,12}?(?:网点|分公司|营业机构|办事处).{0,12})",),
               examples={"网点 宁波": "网点 宁波", "贵州归哪个分公司": "贵州归哪个分公司",
                         "我在温州找哪个网点": "我在温州找哪个网点"}),
    ),
    chat=("handlers.branches",),
)
