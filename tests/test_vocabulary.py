"""The fixed names' labels: a channel reads as a channel where a level shares its word."""

from __future__ import annotations

from fengqiao.models.vocabulary import Channel, Level, bilingual, channel_shown


def test_a_channel_is_shown_by_its_own_label_even_where_a_level_shares_its_word():
    assert [channel_shown(c) for c in Channel] == [
        "12345热线 hotline_12345",
        "网格上报 grid",
        "窗口来访 walk_in",
        "警调对接 police",
        "诉调对接 court",
        "访调对接 petition",
        "网上申请 online",
    ]
    assert bilingual(Level.GRID) == "网格 grid"  # the level, as config show and the statistics' levels read it
    assert channel_shown("wechat") == "wechat"  # a value that is no channel, as it is
