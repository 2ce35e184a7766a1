# Sourced by scripts/test.sh: throwaway services on loopback ports for one test run, started
# here and removed again on exit. Nothing of the machine's own PostgreSQL is touched.

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a PostgreSQL server binary as the postgres user when we are root (it refuses root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Writes a throwaway certificate authority and a server certificate for 127.0.0.1 signed by it
# into $1: ca.pem, server.pem, server.key.
make_test_certificates() {
  local dir=$1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=leptos-auth test authority" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n') \
    -out "$dir/server.pem" 2>/dev/null
}

# Starts a fresh PostgreSQL cluster and exports TEST_POSTGRES_URL (its maintenance database).
# The cluster also speaks TLS, with a certificate from a throwaway authority (exported as
# TEST_POSTGRES_CA), and has a role `tls_only` that it refuses over an unencrypted connection,
# so the TLS tests prove the connection really is encrypted.
start_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "error: PostgreSQL server programs not found; install Debian's postgresql package" >&2
    return 1
  fi
  PG_WORK=$(mktemp -d /tmp/leptos-auth-pg.XXXXXX)
  chmod 755 "$PG_WORK"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_WORK"
  local port
  port=$(free_port)
  as_postgres "$PG_BIN/initdb" -D "$PG_WORK/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$PG_WORK/initdb.log"
  mkdir "$PG_WORK/tls"
  make_test_certificates "$PG_WORK/tls"
  chmod 600 "$PG_WORK/tls/server.key"
  chmod 644 "$PG_WORK/tls/ca.pem"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$PG_WORK/tls"
  local hba="$PG_WORK/data/pg_hba.conf"
  { echo "hostnossl all tls_only all reject"; cat "$hba"; } >"$hba.new"
  mv "$hba.new" "$hba"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$hba"
  # Durability is pointless for a cluster deleted after the run; speed is not.
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_WORK/data" -l "$PG_WORK/server.log" -w -t 60 -o \
    "-p $port -k $PG_WORK -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c ssl=on -c ssl_cert_file=$PG_WORK/tls/server.pem -c ssl_key_file=$PG_WORK/tls/server.key" \
    start >/dev/null
  "$PG_BIN/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE tls_only LOGIN SUPERUSER" >/dev/null
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export TEST_POSTGRES_CA="$PG_WORK/tls/ca.pem"
  echo "    PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_postgres() {
  [ -n "${PG_WORK:-}" ] || return 0
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_WORK"
  PG_WORK=
}

# Starts a fresh Redis (no persistence) and exports TEST_REDIS_URL.
start_redis() {
  if ! command -v redis-server >/dev/null; then
    echo "error: redis-server not found; install Debian's redis-server package" >&2
    return 1
  fi
  REDIS_WORK=$(mktemp -d /tmp/leptos-auth-redis.XXXXXX)
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$REDIS_WORK" \
    --pidfile "$REDIS_WORK/redis.pid" --logfile "$REDIS_WORK/redis.log" --save '' --appendonly no
  local answered=
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && answered=1 && break
    sleep 0.1
  done
  if [ -z "$answered" ]; then
    echo "error: Redis did not answer within 5 s (log: $REDIS_WORK/redis.log)" >&2
    return 1
  fi
  export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  echo "    Redis $(redis-server --version | awk '{print $3}' | tr -d v=) on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
  [ -n "${REDIS_WORK:-}" ] || return 0
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$REDIS_WORK"
  REDIS_WORK=
}

stop_services() {
  stop_redis
  stop_postgres
}
