#!/usr/bin/env bash
# Dynamic security scan (records-security-reliability T2), run by `make dast`; loopback only, bounded in time.
#
# 1. A throw-away ReviewBoard instance (temporary instance folder, SQLite, demo data) served on
#    127.0.0.1:$DAST_PORT by `reviewboard run` in the background.
# 2. wapiti3 3.2.3 (.venv-wapiti), modules $WAPITI_MODULES (sql,xss,exec,csrf + permanentxss), signed in through the /login form as a
#    demo submitter, --max-scan-time $WAPITI_MAX_SCAN_TIME.
# 3. sqlmap (.venv-security) --batch --level 1 --risk 1 on the GET parameters of the list/search pages,
#    each with the session cookie of a signed-in demo user, each bounded by `timeout`.
# 4. security/dast_summary.py writes security/reports/dast-summary.{md,json} and sets the exit status:
#    non-zero on any finding, or when a tool could not do its job (no sign-in, crash, redirected to /login).
#
# The sign-in rate limits are raised for this instance only, so that the scanners' many POSTs to /login
# reach the form handler instead of stopping at 429 (which would hide findings there).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

HOST=127.0.0.1
PORT="${DAST_PORT:-5055}"
BASE="http://$HOST:$PORT"
REPORTS="$ROOT/security/reports"
WAPITI_MAX_SCAN_TIME="${WAPITI_MAX_SCAN_TIME:-60}"     # seconds, wapiti's crawl (its --max-scan-time bounds only that)
WAPITI_MAX_ATTACK_TIME="${WAPITI_MAX_ATTACK_TIME:-240}" # seconds, per wapiti attack module (exec needs ~3 min)
# permanentxss: the xss module's payloads that come back on another page (stored XSS in names, notes...).
WAPITI_MODULES="${WAPITI_MODULES:-sql,xss,permanentxss,exec,csrf}"
export WAPITI_MODULES
SQLMAP_TIMEOUT="${SQLMAP_TIMEOUT:-180}"               # seconds, per sqlmap target
AGENT="ReviewBoard-DAST/1.0"                            # one UA for sign-in and scan: strong session protection
SUBMITTER=alice@example.org
REVIEWER=rita@example.org
CHAIR=chen@example.org
PASSWORD=demo-password-2026
RB="$ROOT/.venv/bin/reviewboard"
started=$SECONDS

log() { echo "==> [$(date -u +%H:%M:%S)] $*"; }

[[ -x "$RB" ]] || { echo "$RB missing: run 'make install' first" >&2; exit 2; }
bash security/install.sh security || exit 2
bash security/install.sh wapiti || exit 2

if curl -s -o /dev/null --max-time 2 "$BASE/"; then
  echo "Something already listens on $HOST:$PORT; set DAST_PORT to a free port." >&2
  exit 2
fi

rm -rf "$REPORTS"
mkdir -p "$REPORTS/sqlmap"
INSTANCE="$(mktemp -d /tmp/reviewboard-dast.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$INSTANCE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -- 1. the instance ---------------------------------------------------------------------------------
export REVIEWBOARD_INSTANCE_PATH="$INSTANCE"
unset DATABASE_URL SECRET_KEY REDIS_URL FLASK_DEBUG FLASK_APP REVIEWBOARD_ENV
export REVIEWBOARD_LOGIN_LIMIT_PER_ADDRESS="100000 per minute"
export REVIEWBOARD_LOGIN_LIMIT_PER_ACCOUNT="100000 per minute"
log "Fresh instance in $INSTANCE"
{
  "$RB" db upgrade && "$RB" keys init && "$RB" demo
} > "$REPORTS/setup.log" 2>&1 || { cat "$REPORTS/setup.log"; echo "instance setup failed" >&2; exit 2; }

log "Serving ReviewBoard on $BASE (log: security/reports/server.log)"
"$RB" run --host "$HOST" --port "$PORT" > "$REPORTS/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  curl -sf -o /dev/null --max-time 2 "$BASE/healthz" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$REPORTS/server.log"; echo "server died" >&2; exit 2; }
  sleep 1
done
curl -sf -o /dev/null --max-time 2 "$BASE/healthz" || { echo "no /healthz after 60 s" >&2; exit 2; }

# -- 2. wapiti ----------------------------------------------------------------------------------------
# Excluded: /logout (it would end the scanner's own session half-way). Not attacked: csrf_token (any
# change is refused with 400 before a handler runs; the csrf module still tests it) and submit (a button).
# -S sneaky: Flask-WTF signs a fresh csrf_token into every page, so the crawler sees each form once per
# page that links to it; sneaky keeps one or a few copies of each form instead of up to nine.
# The endpoints for out-of-band payloads point at the instance itself: no payload names an outside host.
log "wapiti -m $WAPITI_MODULES as $SUBMITTER (crawl <= ${WAPITI_MAX_SCAN_TIME}s, <= ${WAPITI_MAX_ATTACK_TIME}s per module)"
wapiti_start=$SECONDS
timeout --kill-after=30 "$((WAPITI_MAX_SCAN_TIME + 5 * WAPITI_MAX_ATTACK_TIME + 120))" \
  "$ROOT/.venv-wapiti/bin/wapiti" -u "$BASE/" --scope folder -m "$WAPITI_MODULES" \
    --form-url "$BASE/login" --form-user "$SUBMITTER" --form-password "$PASSWORD" \
    -x "$BASE/logout" \
    --endpoint "$BASE/" --dns-endpoint localhost \
    --skip csrf_token --skip submit -S sneaky \
    --max-scan-time "$WAPITI_MAX_SCAN_TIME" --max-attack-time "$WAPITI_MAX_ATTACK_TIME" --tasks 4 -t 20 \
    --flush-session --store-session "$REPORTS/wapiti-session" --store-config "$REPORTS/wapiti-config" \
    --no-bugreport -v 1 -f json -o "$REPORTS/wapiti.json" \
    > "$REPORTS/wapiti.log" 2>&1
echo "$? $((SECONDS - wapiti_start))" > "$REPORTS/wapiti.status"
log "wapiti finished: exit $(cut -d' ' -f1 "$REPORTS/wapiti.status") in $((SECONDS - wapiti_start))s"

# -- 3. sqlmap ----------------------------------------------------------------------------------------
login() {  # login EMAIL -> cookie string
  "$ROOT/.venv/bin/python" security/dast_login.py "$BASE" "$1" "$PASSWORD" "$AGENT"
}
alice_cookie="$(login "$SUBMITTER")" || { echo "sign-in as $SUBMITTER failed" >&2; exit 2; }
rita_cookie="$(login "$REVIEWER")" || { echo "sign-in as $REVIEWER failed" >&2; exit 2; }
chen_cookie="$(login "$CHAIR")" || { echo "sign-in as $CHAIR failed" >&2; exit 2; }

: > "$REPORTS/sqlmap.status"
sqlmap_target() {  # sqlmap_target NAME COOKIE URL PARAMS [POST-DATA]
  local name="$1" cookie="$2" url="$3" params="$4" data="${5:-}" code rc t0=$SECONDS
  local -a extra=() header=()
  if [[ -n "$cookie" ]]; then extra+=(--cookie "$cookie"); header=(-H "Cookie: $cookie"); fi
  # A form: sqlmap reads a fresh csrf_token from the page before each request.
  if [[ -n "$data" ]]; then extra+=(--data "$data" --csrf-token csrf_token --csrf-url "$url"); fi
  # The cookie must reach the page itself (a redirect to /login would make a clean result meaningless).
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -A "$AGENT" "${header[@]}" "$url")"
  if [[ "$code" != 200 ]]; then
    echo "$name $url $params precheck-$code 0" >> "$REPORTS/sqlmap.status"
    log "sqlmap $name: SKIPPED, $url answers $code with the session cookie"
    return
  fi
  log "sqlmap $name: ${data:+POST }$url (-p $params)"
  timeout --kill-after=10 "$SQLMAP_TIMEOUT" "$ROOT/.venv-security/bin/sqlmap" -u "$url" -p "$params" "${extra[@]}" \
    -A "$AGENT" --batch --level 1 --risk 1 --flush-session --disable-coloring \
    --output-dir "$REPORTS/sqlmap/$name" > "$REPORTS/sqlmap-$name.log" 2>&1
  rc=$?
  # Still signed in afterwards? (Otherwise part of the run may have hit the login page.)
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -A "$AGENT" "${header[@]}" "$url")"
  [[ "$code" == 200 ]] || rc="postcheck-$code"
  echo "$name $url $params $rc $((SECONDS - t0))" >> "$REPORTS/sqlmap.status"
}
sqlmap_target projects "$alice_cookie" "$BASE/projects?q=x&page=1" q,page
sqlmap_target records  "$alice_cookie" "$BASE/records?q=x&page=1" q,page
sqlmap_target queue    "$rita_cookie"  "$BASE/queue?tier=high&stage=DES&status=waiting&page=1" tier,stage,status,page
sqlmap_target catalog  "$alice_cookie" "$BASE/catalogs/1?stage=DES&tier=high&framework=x&ref=x&q=x" stage,tier,framework,ref,q
sqlmap_target catdiff  "$alice_cookie" "$BASE/catalogs/rb-tc260-lifecycle/diff?from=1.0.0&to=1.0.0" from,to
sqlmap_target conditions "$alice_cookie" "$BASE/conditions?status=all&page=1" status,page
sqlmap_target pipelines "$chen_cookie" "$BASE/pipelines/standard?version=1" version
sqlmap_target people   "$chen_cookie"  "$BASE/admin/users?q=x&page=1" q,page
sqlmap_target login    ""              "$BASE/login" email,password "email=nobody%40example.org&password=x&csrf_token=x"

# -- 4. summary ---------------------------------------------------------------------------------------
"$ROOT/.venv/bin/python" security/dast_summary.py "$REPORTS" "$((SECONDS - started))"
