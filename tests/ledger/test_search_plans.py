"""The searches that need an index use it (SQLite's plan; PostgreSQL's depends on its stats)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from hub.ledger import Ledger, reads
from hub.ledger.engine import create_ledger_engine
from hub.records import EventQuery


class PlanningConnection:
    """Hands the search's statement to SQLite's EXPLAIN QUERY PLAN instead of running it."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.plan: list[str] = []

    def execute(self, statement: Any) -> Any:
        """Note the plan, then run the statement for real."""
        sql = statement.compile(dialect=self.connection.dialect,
                                compile_kwargs={"literal_binds": True})
        rows = self.connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
        self.plan += [str(row[-1]) for row in rows]
        return self.connection.execute(statement)


def test_a_search_by_plate_reads_the_plate_index(tmp_path: Path) -> None:
    engine = create_ledger_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    Ledger(engine).migrate()
    with engine.connect() as connection:
        planning = PlanningConnection(connection)
        reads.search_events(planning, EventQuery(plate="沪A12345"))  # type: ignore[arg-type]
    engine.dispose()
    assert any("USING INDEX ix_events_plate_ts" in step for step in planning.plan), planning.plan
