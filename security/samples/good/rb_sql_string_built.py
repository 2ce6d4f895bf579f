# Good: bound parameters and the ORM (rule rb-sql-string-built must stay quiet).
from sqlalchemy import func, select, text


def search(db, conn, cursor, Project, q, lock_key, write_intent):
    # ok: rb-sql-string-built
    db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
    # ok: rb-sql-string-built
    db.session.execute(text("SELECT * FROM project WHERE name = :q"), {"q": q})
    # An f-string *value* bound by the ORM is a parameter, not SQL text.
    stmt = select(Project).where(func.lower(Project.name).like(f"%{q.lower()}%"))
    # ok: rb-sql-string-built
    db.session.execute(stmt)
    # ok: rb-sql-string-built
    cursor.execute("SELECT * FROM users WHERE email = ?", (q,))
    # ok: rb-sql-string-built
    cursor.execute("PRAGMA foreign_keys=ON")
    # ok: rb-sql-string-built
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent else "BEGIN")


def search_inline(db, Project, q, schema_obj, fields):
    # ok: rb-sql-string-built
    db.session.execute(select(Project).where(Project.name.like(f"%{q}%")))
    # ok: rb-sql-string-built
    rows = db.session.execute(select(Project.id).where(Project.name == q + "-draft")).all()
    # A method that happens to be called text() is not SQLAlchemy's.
    # ok: rb-sql-string-built
    schema_obj.text(f"{fields}", "key")
    return rows
