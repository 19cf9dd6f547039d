"""Each channel's own record, adapted: the exact intake record from every example, the exact error
for each kind of bad field, and fuzzing that finds no exception but the validation error."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengqiao.channels import ADAPTERS, adapt, ledger
from fengqiao.channels.common import ChannelRecord
from fengqiao.channels.files import read_records
from fengqiao.models.case import NewCase, Party
from fengqiao.models.errors import InvalidInput
from fengqiao.models.vocabulary import Channel

EXAMPLES = Path(__file__).parent.parent / "examples"
CST = timezone(timedelta(hours=8))


def example(channel: Channel, n: int = 0) -> dict:
    return json.loads((EXAMPLES / f"{channel}.jsonl").read_text(encoding="utf-8").splitlines()[n])


EXPECTED = {
    Channel.HOTLINE_12345: NewCase(
        Channel.HOTLINE_12345,
        "511502001001",
        "来电人反映在该工地务工三个月，公司拖欠工资共计2.4万元，多次讨要未果；地址：翠屏区西郊街道朝阳路18号工地；"
        "热线分类：拖欠工资；紧急程度：紧急",
        channel_ref="YB12345-20261102-00318",
        declared_type="labour",
        parties=(Party("applicant", "刘德明", None, "13890123456"), Party("respondent", "宜宾顺达建筑劳务有限公司")),
    ),
    Channel.GRID: NewCase(
        Channel.GRID,
        "511502001001001",
        "十余名工人聚集在工地门口讨要工资；地点：朝阳路18号工地门口",
        channel_ref="WG-511502001001001-20261103-0012",
        people_involved=12,
        parties=(Party("applicant", "赵国强", None, "13700001111"), Party("respondent", "宜宾顺达建筑劳务有限公司")),
    ),
    Channel.WALK_IN: NewCase(
        Channel.WALK_IN,
        "511502002001",
        "申请事项：请求被申请人按约定分担母亲赡养费用；事实和理由：兄弟二人约定每月各承担赡养费800元，被申请人已连续半年未支付",
        channel_ref="YB-CP-ZX-20261105-021",
        declared_type="family",
        amount=4800.0,
        parties=(
            Party("applicant", "周建华", "511502196002150044", "13800002222"),
            Party("respondent", "周建军", None, "13800003333"),
        ),
    ),
    Channel.POLICE: NewCase(
        Channel.POLICE,
        "511502001002",
        "两车在金沙路口发生轻微碰撞，双方就维修费用协商不成，民警现场调处后移交；警调对接：宜宾市公安局翠屏区分局西郊派出所 "
        "JQ511502202611050087",
        channel_ref="JQ511502202611050087",
        parties=(Party("applicant", "杨帆", None, "13911112222"), Party("respondent", "钱明", None, "13922223333")),
    ),
    Channel.COURT: NewCase(
        Channel.COURT,
        "511502001",
        "民间借贷纠纷，原告诉请偿还借款5万元，立案前委派人民调解；诉调对接：宜宾市翠屏区人民法院 （2026）川1502民诉前调1288号",
        channel_ref="（2026）川1502民诉前调1288号",
        declared_type="contract",
        amount=50000.0,
        parties=(Party("applicant", "孙丽", "511503200109300052"), Party("respondent", "吴强")),
    ),
    Channel.PETITION: NewCase(
        Channel.PETITION,
        "511503001001",
        "信访人反映小区开发商逾期交房且拒绝支付违约金；访调对接：宜宾市南溪区信访局 NX-XF-2026-0415",
        channel_ref="NX-XF-2026-0415",
        declared_type="contract",
        people_involved=6,
        parties=(Party("applicant", "郑伟", None, "13633334444"), Party("respondent", "南溪滨江置业有限公司")),
    ),
    Channel.ONLINE: NewCase(
        Channel.ONLINE,
        "511502001001",
        "楼上卫生间漏水导致我家天花板发霉，协商多次未果",
        channel_ref="WX-20261108-7F3A21",
        parties=(
            Party("applicant", "黄敏", "511502198811110068", "15800005555"),
            Party("respondent", "楼上住户 马先生"),
        ),
    ),
}
REPLY_DUE = {
    Channel.HOTLINE_12345: datetime(2026, 11, 7, 18, 0, tzinfo=CST),
    Channel.POLICE: datetime(2026, 11, 20, 18, 0, tzinfo=CST),
    Channel.COURT: datetime(2026, 12, 6, 18, 0, tzinfo=CST),
    Channel.PETITION: datetime(2026, 11, 30, 18, 0, tzinfo=CST),
}


@pytest.mark.parametrize("channel", list(Channel))
def test_each_channels_example_becomes_the_exact_intake_record(channel):
    records = list(read_records(EXAMPLES / f"{channel}.jsonl", channel))
    assert all(isinstance(r, ChannelRecord) for _, r in records), records
    first = records[0][1]
    assert first.new == EXPECTED[channel]
    assert first.reply_due == REPLY_DUE.get(channel)
    assert first.payload == json.loads(json.dumps(first.payload))  # kept as plain JSON for the audit trail


def test_the_screening_ledger_csv_becomes_intake_records():
    records = list(read_records(EXAMPLES / "screening_ledger.csv", Channel.GRID))
    assert [name for name, _ in records] == ["screening_ledger.csv:2", "screening_ledger.csv:3"]
    assert records[0][1].new == NewCase(
        Channel.GRID,
        "511502002001",
        "姐妹两家因共用院落排水问题多次争吵；排查台账 2026-11-10",
        channel_ref="PC-511502002001-202611-001",
        declared_type="neighbourhood",
        people_involved=2,
        parties=(Party("applicant", "冯玉兰", None, "13500006666"), Party("respondent", "冯玉梅")),
    )
    assert records[1][1].new.declared_type == "property"
    assert records[1][1].new.parties[0].id_number == "51150219750506007X"


def _set(data: dict, path: str, value: object) -> dict:
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    target = data
    for p in parents:
        target = target[int(p)] if p.isdigit() else target[p]
    key = int(last) if isinstance(target, list) else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return data


DELETE = object()
ID_WRONG = "511502196002150045"

BAD = [
    (Channel.HOTLINE_12345, "ticket_id", DELETE, "ticket_id", "缺少必填字段 required field missing"),
    (
        Channel.HOTLINE_12345,
        "category",
        "9999",
        "category",
        "取值不在允许范围 Input should be '0101', '0102', "
        "'0201', '0301', '0302', '0401', '0501', '0601', '0701' or '0999'",
    ),
    (
        Channel.HOTLINE_12345,
        "caller.phone",
        "12345",
        "caller.phone",
        "电话号码应为11位手机号或带区号的固定电话 phone must be an 11-digit mobile or area code + number",
    ),
    (
        Channel.HOTLINE_12345,
        "reply_due",
        "next week",
        "reply_due",
        "应为日期时间 Input should be a valid datetime or date, input is too short",
    ),
    (Channel.GRID, "parties", [], "parties", "条目过少 List should have at least 1 item after validation, not 0"),
    (
        Channel.GRID,
        "grid_code",
        "5115",
        "grid_code",
        "区划代码应为6、9、12或15位数字 area code must be 6, 9, 12 or 15 digits",
    ),
    (Channel.GRID, "location.lng", 28.7, "location.lng", "数值过小 Input should be greater than or equal to 73"),
    (
        Channel.GRID,
        "parties.0.role",
        "witness",
        "parties.0.role",
        "取值不在允许范围 Input should be 'applicant' or 'respondent'",
    ),
    (
        Channel.WALK_IN,
        "applicant.id_number",
        ID_WRONG,
        "applicant.id_number",
        "身份证号校验位错误 ID number's check digit is wrong",
    ),
    (Channel.WALK_IN, "applicant.id_number", DELETE, "applicant.id_number", "缺少必填字段 required field missing"),
    (Channel.WALK_IN, "amount", -1, "amount", "数值过小 Input should be greater than or equal to 0"),
    (Channel.WALK_IN, "claim", "  ", "claim", "不能为空 String should have at least 1 character"),
    (
        Channel.POLICE,
        "feedback_due",
        "2026-11-01",
        "(record)",
        "反馈期限早于移送日期 feedback_due is before referred_on",
    ),
    (
        Channel.COURT,
        "referred_on",
        "2026-02-30",
        "referred_on",
        "应为日期 Input should be a valid date or datetime, day value is outside expected range",
    ),
    (Channel.PETITION, "parties.0.name", "", "parties.0.name", "不能为空 String should have at least 1 character"),
    (Channel.PETITION, "source", "fax", "source", "不认识的字段 unknown field, not accepted here"),
    (
        Channel.ONLINE,
        "consent",
        False,
        "consent",
        "申请人未同意调解，人民调解须自愿 the applicant has not consented to mediation",
    ),
    (Channel.ONLINE, "source", "email", "source", "取值不在允许范围 Input should be 'web' or 'wechat'"),
]


@pytest.mark.parametrize("channel, path, value, field, message", BAD)
def test_a_bad_field_is_named_with_the_reason_in_both_languages(channel, path, value, field, message):
    with pytest.raises(InvalidInput) as caught:
        adapt(channel, _set(example(channel), path, value), record="f.jsonl:7")
    assert (caught.value.field, caught.value.message) == (field, f"record f.jsonl:7, field {field}: {message}")


def test_a_payload_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidInput) as caught:
        adapt(Channel.GRID, ["a", "list"], record="x:1")
    assert caught.value.message == (
        "record x:1, field (record): 应为一条记录（JSON对象） Input should be a valid dictionary or instance of GridReport"
    )


def test_a_ledger_with_an_unknown_column_is_refused_by_its_header(tmp_path):
    file = tmp_path / "ledger.csv"
    file.write_text("台账编号,排查日期,备注\nPC-1,2026-11-01,x\n", encoding="utf-8")
    [(_, error)] = list(read_records(file, Channel.GRID))
    assert isinstance(error, InvalidInput)
    assert error.message.startswith(
        "record ledger.csv:1, field 备注: 不认识的列 unknown column; expected 台账编号, 排查日期"
    )


def test_a_ledger_row_with_an_unknown_dispute_type_names_it(tmp_path):
    file = tmp_path / "ledger.csv"
    header = (EXAMPLES / "screening_ledger.csv").read_text(encoding="utf-8").splitlines()[0]
    file.write_text(header + "\nPC-9,2026-11-01,511502002001,吵架,甲,,,,吵架了,1,,排查员\n", encoding="utf-8")
    [(_, error)] = list(read_records(file, Channel.GRID))
    assert error.message == (
        "record ledger.csv:2, field dispute_type: 纠纷类型“吵架”不在台账分类中 unknown dispute type; one of "
        "邻里纠纷, 婚姻家庭纠纷, 物业纠纷, 土地纠纷, 合同纠纷, 劳动争议, 医疗纠纷, 交通事故纠纷"
    )


# --- fuzzing: whatever arrives, an adapter answers with a record or with InvalidInput -----------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)


def _paths(data: object, prefix: str = "") -> list[str]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in [f"{prefix}{k}", *_paths(v, f"{prefix}{k}.")]]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in [f"{prefix}{i}", *_paths(v, f"{prefix}{i}.")]]
    return []


def _adapts_or_refuses(channel: Channel, data: object) -> None:
    try:
        result = adapt(channel, data, record="fuzz")
    except InvalidInput as exc:
        assert exc.record == "fuzz" and exc.field
    else:
        assert isinstance(result, ChannelRecord) and result.new.channel is channel


@pytest.mark.parametrize("channel", list(ADAPTERS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_payloads_get_a_record_or_a_validation_error(channel, data):
    _adapts_or_refuses(channel, data.draw(json_values))


@pytest.mark.parametrize("channel", list(ADAPTERS))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_an_example_with_one_field_replaced_by_anything_is_adapted_or_refused(channel, data):
    base = example(channel)
    path = data.draw(st.sampled_from(_paths(base)))
    value = data.draw(json_values | st.just(DELETE))
    _adapts_or_refuses(channel, _set(base, path, value))


@settings(max_examples=200, deadline=None)
@given(row=st.dictionaries(st.sampled_from(list(ledger.COLUMNS.values())), st.text(max_size=20), max_size=12))
def test_fuzzed_ledger_rows_get_a_record_or_a_validation_error(row):
    try:
        ledger.parse(Channel.GRID, row, record="fuzz")
    except InvalidInput as exc:
        assert exc.field
