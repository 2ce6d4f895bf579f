# Bad: SQL built from strings (rule rb-sql-string-built).
import sqlalchemy as sa
from sqlalchemy import text


def search(db, conn, cursor, q, table, limit):
    # ruleid: rb-sql-string-built
    db.session.execute(text(f"SELECT * FROM project WHERE name LIKE '%{q}%'"))
    # ruleid: rb-sql-string-built
    db.session.execute(text("SELECT * FROM project WHERE name = '%s'" % q))
    # ruleid: rb-sql-string-built
    db.session.execute(text("SELECT * FROM {} LIMIT {}".format(table, limit)))
    # ruleid: rb-sql-string-built
    db.session.execute(sa.text("SELECT * FROM project WHERE id = " + q))
    # ruleid: rb-sql-string-built
    cursor.execute(f"DELETE FROM evidence WHERE id = {q}")
    # ruleid: rb-sql-string-built
    cursor.execute("SELECT * FROM users WHERE email = '" + q + "'")
    # ruleid: rb-sql-string-built
    conn.exec_driver_sql(f"PRAGMA table_info({table})")
    # ruleid: rb-sql-string-built
    cursor.executemany("INSERT INTO t VALUES (%s)" % q, [])


def search_via_variable(db, q):
    sql = f"SELECT * FROM record WHERE public_id = '{q}'"
    # ruleid: rb-sql-string-built
    return db.session.execute(text(sql)).all()


def search_via_concatenation(cursor, q):
    sql = "SELECT * FROM record WHERE 1=1"
    sql += " AND sha = '%s'" % q
    # ruleid: rb-sql-string-built
    cursor.execute(sql)
