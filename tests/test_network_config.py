"""The administrators' network YAML: the sample loads; each mistake is named by file, line and field."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest
import yaml

from fengqiao.config.network import SAMPLE_NETWORK, load_network_file, network_from_document, parse_network_document
from fengqiao.models.errors import ConfigurationError
from fengqiao.models.vocabulary import HandoffTarget, Level
from tests.paperwork import a_png

ROOM = "stationed_rooms:\n  - {room}\nmediators:\n  - {{code: M-R, name: 罗, org: R-P}}\n"

GOOD = """\
organisations:
  - {code: D-A, name: 甲区, level: district, area_code: "511502"}
  - {code: S-A, name: 甲街道, level: street, parent: D-A, area_code: "511502001"}
  - {code: P-L, name: 劳动调委会, level: panel, dispute_types: [labour]}
  - {code: X-P, name: 专家库, level: expert_pool, fields: [labour]}
mediators:
  - {code: M-1, name: 王, org: S-A, specialties: [labour]}
  - {code: M-2, name: 赵, org: P-L, specialties: [labour]}
experts:
  - {code: E-1, name: 李, pool: X-P, field: labour}
paths:
  labour:
    steps:
      - {level: street, deadline_days: 15}
      - {panel: P-L, expert_pool: X-P, deadline_days: 15}
    on_failed: arbitration
triage: {default_type: labour}
legal_bodies:
  - {area_code: "511502", court: 甲区人民法院, arbitration: 甲市劳动人事争议仲裁委员会, administrative_review: 甲区人民政府, administrative_adjudication: 甲区人民政府}
"""


def load(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "network.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_network_file(path)


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigurationError) as exc:
        load(tmp_path, text)
    return exc.value.message.replace(str(tmp_path) + "/", "")


def test_the_shipped_sample_is_a_complete_city():
    network, rules = network_from_document(load_network_file(SAMPLE_NETWORK))
    levels = sorted(o.level for o in network.organisations.values() if not o.is_room)
    assert {lvl: levels.count(lvl) for lvl in set(levels)} == {
        Level.DISTRICT: 2,
        Level.STREET: 4,
        Level.COMMUNITY: 8,
        Level.GRID: 8,
        Level.PANEL: 3,
        Level.EXPERT_POOL: 1,
    }
    rooms = {o.code: (o.level, o.channels, o.host) for o in network.organisations.values() if o.is_room}
    assert rooms == {
        "R-XIJIAO-POLICE": (Level.STREET, ("police",), "西郊派出所"),
        "R-XIJIAO-COURT": (Level.STREET, ("court",), "翠屏区人民法院西郊人民法庭"),
    }
    assert network.organisations["C-ZHAOYANG"].capacity == 25
    assert len(network.mediators) == 24 and len(network.experts) == 5
    assert network.paths["labour"].on_failed is HandoffTarget.ARBITRATION
    assert [s.label for s in network.paths["traffic"].steps] == ["community", "P-TRAFFIC"]
    assert rules.default_type == "neighbourhood"


def test_a_good_document_loads(tmp_path):
    assert load(tmp_path, GOOD)["paths"]["labour"]["on_failed"] == "arbitration"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("      - {level: street, deadline_days: 15}", "      - {level: street, panel: P-L, deadline_days: 15}"),
            "network.yaml:14: paths.labour.steps.0: 每一级须写明 level 或 panel 之一 a step names exactly one of level or panel",
        ),
        (
            ("      - {level: street, deadline_days: 15}", "      - {level: street}"),
            "network.yaml:14: paths.labour.steps.0.deadline_days: 缺少必填字段 required field missing",
        ),
        (
            ("level: street, parent: D-A", "level: street, parent: D-Z"),
            "network.yaml:3: organisations.1.parent: 不认识的调解组织 unknown organisation 'D-Z'",
        ),
        (("org: S-A", "org: S-Z"), "network.yaml:7: mediators.0.org: 不认识的调解组织 unknown organisation 'S-Z'"),
        (
            ("pool: X-P, field", "pool: P-L, field"),
            "network.yaml:10: experts.0.pool: 'P-L' 不是专家库 is not an expert pool",
        ),
        (
            ("{panel: P-L, expert_pool", "{panel: S-A, expert_pool"),
            "network.yaml:15: paths.labour.steps.1.panel: 'S-A' 不是专业调委会 is not a panel",
        ),
        (
            ("on_failed: arbitration", "on_failed: mediation"),
            "network.yaml:16: paths.labour.on_failed: 取值不在允许范围 Input should be 'litigation', 'arbitration', "
            "'administrative_review' or 'administrative_adjudication'",
        ),
        (
            ('area_code: "511502001"}', 'area_code: "5115"}'),
            "network.yaml:3: organisations.1.area_code: 格式不对 String should match pattern '^\\d{6}(\\d{3}){0,3}$'",
        ),
        (
            ("triage: {default_type: labour}", "triage: {default_type: family}"),
            "network.yaml:17: triage.default_type: 'family' 没有调解路径 has no path",
        ),
        (
            ("level: district", "level: province"),
            "network.yaml:2: organisations.0.level: 取值不在允许范围 Input should be 'district', 'street', 'community', 'grid', "
            "'panel' or 'expert_pool'",
        ),
        (
            (
                "      - {panel: P-L, expert_pool: X-P, deadline_days: 15}",
                "      - {panel: P-L, deadline_days: 15}\n      - {level: street, deadline_days: 15}",
            ),
            "network.yaml:16: paths.labour.steps.2.level: 路径不能循环，回到了已经过的 street returns to street (step 0): a path must not go round in a "
            "cycle",
        ),
        (
            ("  - {code: M-2, name: 赵, org: P-L, specialties: [labour]}\n", ""),
            "network.yaml:14: paths.labour.steps.1.panel: P-L 没有调解员，区划代码511502001的案件会停在这里 "
            "P-L has no mediators: cases from area 511502001 would "
            "stop here (dead end)",
        ),
        (
            ("      - {level: street, deadline_days: 15}", "      - {level: community, deadline_days: 15}"),
            "network.yaml:14: paths.labour.steps.0.level: 区划代码511502001没有社区/村级调解组织，案件会停在这里 "
            "no community organisation serves area 511502001: its "
            "cases would stop here (dead end)",
        ),
        (
            ("experts:\n  - {code: E-1, name: 李, pool: X-P, field: labour}\n", "experts: []\n"),
            "network.yaml:14: paths.labour.steps.1.expert_pool: X-P 没有专家，无法出具意见 "
            "X-P has no experts: no opinion could be given "
            "(dead end)",
        ),
        (
            (
                "triage: {default_type: labour}",
                "triage: {default_type: labour, classify: [{name: kw, dispute_type: family, keywords: [离婚]}]}",
            ),
            "network.yaml:17: triage.classify.0.dispute_type: 'family' 没有调解路径 has no path",
        ),
        (
            ("dispute_types: [labour]}", "dispute_types: [labour, medical]}"),
            "network.yaml:4: organisations.2.dispute_types: 'medical' 没有调解路径 has no path",
        ),
        (  # a path with no rung could reach neither a handoff nor a close
            (
                "    steps:\n      - {level: street, deadline_days: 15}\n      - {panel: P-L, expert_pool: X-P, "
                "deadline_days: 15}\n",
                "    steps: []\n",
            ),
            "network.yaml:13: paths.labour.steps: 条目过少 List should have at least 1 item after validation, not 0",
        ),
        (
            ("level: district, area_code", "level: district, parent: S-A, area_code"),
            "network.yaml:2: organisations.0.parent: D-A 的上级组织构成循环 D-A is its own ancestor: parents must not cycle",
        ),
        (
            ('area_code: "511502"}', 'area_code: "511502", capacity: 0}'),
            "network.yaml:2: organisations.0.capacity: 数值过小 Input should be greater than 0",
        ),
        (
            ("code: S-A, name: 甲街道", "code: D-A, name: 甲街道"),
            "network.yaml:3: organisations.1.code: 代码 'D-A' 重复使用 'D-A' is used twice",
        ),
        (
            (
                "mediators:\n",
                ROOM.format(
                    room="{code: R-P, name: 派出所调解室, host: 甲派出所, channels: [hotline_12345], "
                    'parent: S-A, area_code: "511502001"}'
                ),
            ),
            "network.yaml:7: stationed_rooms.0.channels.0: 取值不在允许范围 Input should be 'police', 'court' or 'petition'",
        ),
        (
            (
                "mediators:\n",
                ROOM.format(
                    room="{code: R-P, name: 派出所调解室, host: 甲派出所, channels: [police], "
                    'parent: S-Z, area_code: "511502001"}'
                ),
            ),
            "network.yaml:7: stationed_rooms.0.parent: 不认识的调解组织 unknown organisation 'S-Z'",
        ),
        (
            (
                "mediators:\n",
                ROOM.format(
                    room="{code: R-P, name: 派出所调解室, host: 甲派出所, channels: [police], "
                    'parent: S-A, area_code: "511503001"}'
                ),
            ),
            "network.yaml:7: stationed_rooms.0.area_code: 511503001 不在 S-A 的区域内 "
            "511503001 is outside the area of S-A (511502001)",
        ),
        (
            (
                "mediators:\n",
                ROOM.format(
                    room="{code: R-P, name: 派出所调解室, host: 甲派出所, channels: [police], "
                    'parent: S-A, area_code: "511502001"}'
                ).replace("org: R-P", "org: S-A"),
            ),
            "network.yaml:7: stationed_rooms.0.code: R-P 没有调解员，移来的案件会停在这里 "
            "no mediator works in R-P: its referrals would stop there "
            "(dead end)",
        ),
        (
            ('{area_code: "511502", court', '{area_code: "511503", court'),
            "network.yaml:2: organisations.0.area_code: 区县 D-A 甲区 没有 legal_bodies 条目，"
            "须写明其法院、仲裁委员会、行政复议和行政裁决机关 "
            "district D-A 甲区 (area 511502) has no legal_bodies entry: "
            "name its court, arbitration commission, administrative review and adjudication bodies",
        ),
        (
            ("court: 甲区人民法院, ", ""),
            "network.yaml:19: legal_bodies.0.court: 缺少必填字段 required field missing",
        ),
        (
            (
                "legal_bodies:\n",
                'legal_bodies:\n  - {area_code: "511502", court: 乙, arbitration: 乙, '
                "administrative_review: 乙, administrative_adjudication: 乙}\n",
            ),
            "network.yaml:20: legal_bodies.1.area_code: 511502 出现了两次 511502 is given twice",
        ),
        (
            ('area_code: "511502"}', 'area_code: "511502", seal: nope.png}'),
            "network.yaml:2: organisations.0.seal: 无法读取 cannot read nope.png: No such file or directory",
        ),
        (
            ('area_code: "511502"}', 'area_code: "511502", seal: network.yaml}'),
            "network.yaml:2: organisations.0.seal: 印章须为PNG或SVG the seal image is not a PNG or SVG by its content",
        ),
    ],
)
def test_each_mistake_names_file_line_and_field(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    assert error_of(tmp_path, GOOD.replace(old, new)) == expected


def test_a_seal_beside_the_yaml_is_kept_as_its_image_and_a_request_gives_the_image_itself(tmp_path):
    (tmp_path / "seals").mkdir()
    (tmp_path / "seals" / "a.png").write_bytes(a_png())
    (tmp_path / "seals" / "a.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    text = GOOD.replace('area_code: "511502"}', 'area_code: "511502", seal: seals/a.png}')
    text = text.replace('area_code: "511502001"}', 'area_code: "511502001", seal: seals/a.svg}')

    document = load(tmp_path, text)
    network, _ = network_from_document(document)
    again = parse_network_document(yaml.safe_dump(document, allow_unicode=True), "request body", lines=False)
    with pytest.raises(ConfigurationError) as path_sent:
        parse_network_document(text, "request body", lines=False)

    png = "data:image/png;base64," + base64.b64encode(a_png()).decode()
    svg = "data:image/svg+xml;base64," + base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"/>').decode()
    assert (network.organisations["D-A"].seal, network.organisations["S-A"].seal) == (png, svg)
    assert again == document
    assert path_sent.value.message == (
        "request body: organisations.0.seal: 只有网络配置文件可以写文件路径，请以 data: URI 给出图片 "
        "a file path is read only from a network file: give the image as a "
        "data: URI"
    )


def test_each_district_has_its_bodies_and_the_longest_area_code_wins(tmp_path):
    street = 'legal_bodies:\n  - {area_code: "511502001", court: 甲区人民法院某某人民法庭, arbitration: 甲, administrative_review: 甲, administrative_adjudication: 甲}\n'
    network, _ = network_from_document(load(tmp_path, GOOD.replace("legal_bodies:\n", street)))

    assert [network.bodies_for(a).court for a in ("511502001001", "511502002001")] == [  # type: ignore[union-attr]
        "甲区人民法院某某人民法庭",
        "甲区人民法院",
    ]
    assert network.bodies_for("511503001") is None


def test_broken_yaml_names_the_line(tmp_path):
    assert error_of(tmp_path, GOOD.replace("paths:", "paths: [")).startswith("network.yaml:")


def test_a_missing_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match=r"nope\.yaml: 无法读取 cannot read: No such file or directory"):
        load_network_file(tmp_path / "nope.yaml")
