"""Files of channel records: JSON lines (one channel payload a line) or the screening ledger as CSV."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from fengqiao.channels import adapt, ledger
from fengqiao.channels.common import ChannelRecord
from fengqiao.models.errors import InvalidInput
from fengqiao.models.vocabulary import Channel

Parsed = tuple[str, ChannelRecord | InvalidInput]


def read_text(path: Path) -> str:
    """The file as UTF-8 text. A ledger saved by Excel on Chinese Windows is GBK: refused whole,
    naming the line where decoding failed, before anything is read or registered."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            "文件须为UTF-8编码（GBK等请另存为UTF-8）the file must be UTF-8 encoded (save a GBK or other file as UTF-8)",
            record=f"{path.name}:{line}",
            field="(encoding)",
        ) from None


def count_records(path: Path) -> int:
    """For the progress bar: data lines (the CSV header does not count)."""
    n = sum(1 for line in read_text(path).splitlines() if line.strip())
    return n - 1 if path.suffix.lower() == ".csv" else n


def read_records(path: Path, channel: Channel) -> Iterator[Parsed]:
    """(record name file:line, the adapted record or why it was rejected), in file order."""
    text = read_text(path)
    if path.suffix.lower() == ".csv":
        try:
            for name, row in ledger.rows(text, source=path.name):
                yield name, _guard(ledger.parse, channel, row, record=name)
        except InvalidInput as exc:  # a bad header or a broken row ends the file
            yield exc.record or path.name, exc
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name = f"{path.name}:{n}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield name, InvalidInput(f"不是有效的JSON not JSON: {exc.msg}", record=name, field="(line)")
            continue
        yield name, _guard(adapt, channel, data, record=name)


def _guard(parse: Callable[..., ChannelRecord], *args: object, record: str) -> ChannelRecord | InvalidInput:
    try:
        return parse(*args, record=record)
    except InvalidInput as exc:
        return exc
