"""The demo's disputes: one scenario per path a case can take, with the human inputs a person gives."""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.models.case import NewCase, Party
from fengqiao.models.vocabulary import Channel, InputKind, Status

# A refusal or withdrawal is submitted as an outcome, like any other; storage files it as an exit.
OUTCOME, OPINION, RESULT = InputKind.OUTCOME, InputKind.EXPERT_OPINION, InputKind.HANDOFF_RESULT


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str  # a short Chinese name, shown before `name` in the demo's summary
    channel: Channel
    area_code: str
    summary: str
    dispute_type: str | None
    people_involved: int
    script: tuple[tuple[InputKind, str, str], ...]  # (kind, value, actor) in the order the case asks
    ends_as: Status  # what the script leads to: the demo fails naming any case that ends otherwise

    def intake_record(self, *, channel_ref: str, n: int) -> NewCase:
        """The record the scenario's channel sends, with made-up parties numbered n."""
        return NewCase(
            channel=self.channel,
            area_code=self.area_code,
            summary=self.summary,
            channel_ref=channel_ref,
            declared_type=self.dispute_type,
            people_involved=self.people_involved,
            parties=(Party("applicant", f"申请人{n}"), Party("respondent", f"被申请人{n}")),
        )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "resolved_first_level",
        "社区一级化解",
        Channel.GRID,
        "511502001001001",
        "楼上漏水浸湿楼下天花板，双方就维修费用发生争执",
        None,
        2,
        ((OUTCOME, "agreement", "M-C01"),),
        Status.RESOLVED,
    ),
    Scenario(
        "escalated_once",
        "升级一次后化解",
        Channel.HOTLINE_12345,
        "511502002001",
        "小区物业费及停车位收费争议，业主拒交物业费",
        None,
        3,
        ((OUTCOME, "failed", "M-C04"), (OUTCOME, "oral_agreement", "M-S03")),
        Status.RESOLVED,
    ),
    Scenario(
        "panel_with_expert",
        "专业调委会+专家意见",
        Channel.POLICE,
        "511503001001",
        "两车追尾交通事故，责任划分与赔偿金额争议",
        None,
        2,
        (
            (OUTCOME, "failed", "M-C06"),
            (OPINION, "rear vehicle 70%, front vehicle 30%", "E-05"),
            (OUTCOME, "agreement", "M-P05"),
        ),
        Status.RESOLVED,
    ),
    Scenario(
        "stationed_room",
        "驻所调解室先调",
        Channel.POLICE,
        "511502001001001",
        "邻居因装修噪音发生口角推搡，民警出警后移交驻所调解室",
        None,
        2,
        ((OUTCOME, "failed", "M-R01"), (OUTCOME, "agreement", "M-S01")),
        Status.RESOLVED,
    ),
    Scenario(
        "refused",
        "拒绝调解，导入诉讼",
        Channel.WALK_IN,
        "511502001002",
        "离婚后子女抚养费给付争议",
        "family",
        2,
        ((OUTCOME, "refused", "M-C03"), (RESULT, "court accepted the claim", "court:CUIPING")),
        Status.HANDED_OFF,
    ),
    Scenario(
        "failed_to_arbitration",
        "调解不成，导入仲裁",
        Channel.PETITION,
        "511503002001",
        "建筑工地拖欠两名工人工资",
        "labour",
        2,
        (
            (OUTCOME, "failed", "M-C08"),
            (OUTCOME, "failed", "M-S05"),
            (OUTCOME, "failed", "M-P01"),
            (RESULT, "arbitral award issued", "arb:CITY"),
        ),
        Status.HANDED_OFF,
    ),
    Scenario(
        "withdrawn",
        "申请人撤回",
        Channel.ONLINE,
        "511502002002",
        "民间借款到期未还，金额三万元",
        None,
        2,
        ((OUTCOME, "withdrawn", "applicant"),),
        Status.WITHDRAWN,
    ),
    Scenario(
        "not_suitable",
        "不宜调解",
        Channel.COURT,
        "511502001001",
        "合同纠纷，原告已起诉，法院已受理",
        None,
        2,
        ((RESULT, "trial scheduled", "court:CUIPING"),),
        Status.HANDED_OFF,
    ),
    Scenario(
        "emergency",
        "欠薪直达专业调委会",
        Channel.GRID,
        "511502001002001",
        "某劳务公司拖欠23名工人工资，工人聚集讨薪",
        None,
        23,
        ((OUTCOME, "agreement", "M-P01"),),
        Status.RESOLVED,
    ),
)
