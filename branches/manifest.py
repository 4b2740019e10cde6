"""营业机构: 中国信保's 25 branch offices, and which of them covers any place or location."""

from core.features import Feature
from core.intents import Intent

FEATURE = Feature(
    name="branches",
    title="营业机构",
    intents=(
        Intent("branches.list", title="营业机构", menu_keys=("BRANCHES",),
               words=("网点", "分公司", "联系", "营业机构", "联系方式", "电话", "办事处",
                      "联系我们", "去哪里办理", "在哪里办理", "去哪办理", "线下投保", "網點",
                      "營業機構", "聯繫方式")),
        # A place beside a branch word: "网点 宁波", "温州归哪个分公司管", "杭州去哪里办理". The
        # argument is the whole sentence: branches.look_up finds the place(s) in it, and the
        # follower's profile is used only when it names none. Traditional characters too.
        Intent("branches.find", title="查找负责当地的营业机构", slot="place",
               patterns=(
                   r"(?P<place>.{0,12}?(?:[网網][点點]|分公司|[营營][业業][机機][构構]|[营營][业業]部"
                   r"|支公司|[办辦]事[处處]).{0,12})",
                   r"(?P<place>.{1,12}?(?:去|到|在)?(?:哪里|哪裡|哪儿|哪兒|哪)(?:可以|能)?"
                   r"(?:[线線]下)?(?:[办辦]理|投保)(?:[业業][务務])?(?:呢|啊)?)",
                   r"(?P<place>.{2,12}?[归歸](?:哪|哪个|哪個|哪家)(?:里|裡|儿|兒)?(?:[机機][构構])?"
                   r"管(?:[辖轄])?)",
                   r"(?P<place>(?:sinosure\s+)?(?:branch|branches|office|offices)\s+"
                   r"(?:in|for|near|at|of)\s+.{2,40})",
               ),
               examples={"网点 宁波": "网点 宁波", "贵州归哪个分公司": "贵州归哪个分公司",
                         "我在温州找哪个网点": "我在温州找哪个网点",
                         "温州归哪个分公司管": "温州归哪个分公司管",
                         "杭州有营业机构吗": "杭州有营业机构吗", "三亚的网点": "三亚的网点",
                         "杭州去哪里办理": "杭州去哪里办理", "温州归哪管": "温州归哪管",
                         "branch in Hangzhou": "branch in Hangzhou", "網點 廈門": "網點 廈門"}),
    ),
    chat=("handlers.branches",),
    cli=("xinbao_cli.branches",),
    start=("branches:warm_up",),
)
