"""Rewrite the scenario files from their builders: `python -m tests.scenarios.build`.

The JSONL files are committed data; tests/scenarios/test_jurisdictions.py fails when a
file and its builder disagree, so a change to a builder is followed by running this."""

from __future__ import annotations

from tests.scenarios import build_jinhua, build_linkou, build_rugao, build_yuncheng
from tests.scenarios.builder import Builder

BUILDERS = {
    "yuncheng": build_yuncheng.build,
    "jinhua": build_jinhua.build,
    "rugao": build_rugao.build,
    "linkou": build_linkou.build,
}


def scenarios() -> dict[str, Builder]:
    return {name: build() for name, build in BUILDERS.items()}


def main() -> None:
    for builder in scenarios().values():
        builder.path.write_text(builder.text(), encoding="utf-8")
        print(f"{builder.path.name}: {len(builder.lines)} commands, {len(builder.expected)} claims")


if __name__ == "__main__":
    main()
