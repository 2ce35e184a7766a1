import path from 'node:path';

/** The app instances the suite starts (see `scripts/e2e-server.sh`). */
export interface AppServer {
  name: string;
  port: number;
  url: string;
  /** Extra environment for this instance, as KEY=VALUE. */
  env: string[];
  /** Its SQLite database, for bootstrapping accounts through the CLI. */
  databaseUrl: string;
  /** Where it writes its mail as `.eml` files (`MAIL_OUTBOX`, set by scripts/e2e-server.sh). */
  outbox: string;
}

const root = path.resolve(__dirname, '..', '..');
const basePort = Number(process.env.E2E_BASE_PORT ?? 3180);
/** Set by scripts/test.sh to run the suite on PostgreSQL instead of the embedded SQLite. */
const postgres = process.env.E2E_POSTGRES_URL || '';

function server(name: string, offset: number, env: string[]): AppServer {
  const port = basePort + offset;
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    env,
    outbox: path.join(root, 'target', 'e2e', name, 'outbox'),
    databaseUrl: postgres
      ? `${postgres.slice(0, postgres.lastIndexOf('/'))}/e2e_${name.replace(/-/g, '_')}`
      : `sqlite://${path.join(root, 'target', 'e2e', name, 'app.db')}`,
  };
}

/** Limits the main instance is started with; tests read them here instead of copying defaults. */
export const limits = {
  /** Failed sign-ins on one account before it is blocked (`LOGIN_MAX_FAILURES`). */
  loginMaxFailures: 3,
  /** The short-lived instance's access-token lifetime, seconds (`ACCESS_TOKEN_TTL`). */
  shortAccessTokenTtl: 2,
};

export const servers = {
  main: server('main', 0, [`LOGIN_MAX_FAILURES=${limits.loginMaxFailures}`]),
  shortLived: server('short-lived', 1, [`ACCESS_TOKEN_TTL=${limits.shortAccessTokenTtl}`]),
};

/** The server build under test: `debug`, or `release` with E2E_PROFILE=release. */
export const serverBinary = path.join(root, 'target', process.env.E2E_PROFILE || 'debug', 'server');
export const repositoryRoot = root;
