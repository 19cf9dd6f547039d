"""The monthly screening ledger (矛盾纠纷排查台账): a CSV a community or street keeps, one dispute a row.

Headers are the ledger's Chinese column names (English names are accepted too); the dispute type
may be written as the ledger's Chinese label or as fengqiao's code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from pydantic import field_validator

from fengqiao.channels.common import (
    Amount,
    AreaCode,
    ChannelRecord,
    Day,
    IdNumber,
    Name,
    Native,
    PartyName,
    PeopleInvolved,
    Phone,
    Ref,
    Text,
    joined,
    validate,
)
from fengqiao.models.case import NewCase, Party
from fengqiao.models.errors import InvalidInput
from fengqiao.models.names import DISPUTE_TYPES_ZH
from fengqiao.models.vocabulary import Channel

COLUMNS = {
    "台账编号": "ledger_no",
    "排查日期": "screened_on",
    "区划代码": "area_code",
    "纠纷类型": "dispute_type",
    "申请人": "applicant",
    "申请人身份证号": "applicant_id_number",
    "申请人电话": "applicant_phone",
    "被申请人": "respondent",
    "简要情况": "summary",
    "涉及人数": "people_involved",
    "涉及金额": "amount",
    "排查人": "screened_by",
}
TYPES_ZH = {label: code for code, label in DISPUTE_TYPES_ZH.items()}  # the ledger names a type in Chinese


class LedgerRow(Native):
    ledger_no: Ref
    screened_on: Day
    area_code: AreaCode
    dispute_type: str | None = None
    applicant: PartyName
    applicant_id_number: IdNumber | None = None
    applicant_phone: Phone | None = None
    respondent: PartyName | None = None
    summary: Text
    people_involved: PeopleInvolved = 1
    amount: Amount | None = None
    screened_by: Name

    @field_validator("dispute_type")
    @classmethod
    def _known_label(cls, value: str | None) -> str | None:
        if value is None or value in TYPES_ZH.values():
            return value
        if value in TYPES_ZH:
            return TYPES_ZH[value]
        raise ValueError(f"纠纷类型“{value}”不在台账分类中 unknown dispute type; one of {', '.join(TYPES_ZH)}")


def rows(text: str, *, source: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(record name, row) for each data row; an unknown header is an error for the whole file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # Excel writes a BOM
    for header in reader.fieldnames or ():
        if header.strip() not in COLUMNS and header.strip() not in COLUMNS.values():
            raise InvalidInput(
                f"不认识的列 unknown column; expected {', '.join(COLUMNS)}", record=f"{source}:1", field=header
            )
    for row in reader:
        name = f"{source}:{reader.line_num}"
        if None in row:  # more cells than headers
            raise InvalidInput("列数多于表头 more cells than columns", record=name, field="(row)")
        yield name, {COLUMNS.get(k.strip(), k.strip()): v for k, v in row.items() if v is not None and v.strip()}


def parse(channel: Channel, data: object, *, record: str) -> ChannelRecord:
    r = validate(LedgerRow, data, record=record)
    parties = [Party("applicant", r.applicant, r.applicant_id_number, r.applicant_phone)]
    if r.respondent:
        parties.append(Party("respondent", r.respondent))
    new = NewCase(
        channel=channel,
        area_code=r.area_code,
        summary=joined(r.summary, f"排查台账 {r.screened_on.isoformat()}"),
        channel_ref=r.ledger_no,
        declared_type=r.dispute_type,
        people_involved=r.people_involved,
        amount=r.amount,
        parties=tuple(parties),
    )
    return ChannelRecord(new, payload=r.model_dump(mode="json"))
