// What a person on a slow phone waits for when opening a page, and what a repeat visit
// downloads, measured in a real Chromium (Debian's, as the test suite uses).
//
//   node end2end/perf/first-load.mjs --base http://127.0.0.1:3000 --path /login \
//     [--path /account --cookie 'name=value; name2=value2'] [--runs 3] [--no-throttle] \
//     [--output result.json]
//
// A `--cookie` belongs to the `--path` just before it: that page is opened with those cookies
// (a Cookie header's value, as `scripts/bench.sh` signs in). Each run opens each page in a fresh
// browser context (empty cache) under Lighthouse's mobile profile, 1.6 Mbps down, 750 Kbps up,
// 150 ms round trip, CPU 4 × slower (`--no-throttle` turns all of it off, for a debug build),
// then opens it again in the same context (the repeat visit, warm cache); one unmeasured,
// unthrottled visit of each page comes first. For each visit:
//   visible  first contentful paint, ms after navigation start;
//   usable   when `body[data-hydrated="true"]` first holds (the app sets it once hydrated);
//   islands  how many islands the page has (with none, it should load no JavaScript or WASM);
//   bytes    what went over the wire (Chromium's encodedDataLength: headers and body, as
//            compressed), in total and by kind (document, script, wasm, css, other).
// Times are taken in the page (performance.now(), from navigation start) by an init script, so
// no round trip to the browser is in them. The JSON output has every run and the medians; the
// exit status is 1 if a page never became usable (60 s) or a visit failed.

import { chromium } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';

const USABLE_TIMEOUT_MS = 60_000;
const IDLE_QUIET_MS = 500; // network idle: no request in flight for this long
const IDLE_TIMEOUT_MS = 30_000;
const THROTTLED = {
  network: { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750 },
  cpuSlowdown: 4,
};
const UNTHROTTLED = {
  network: { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 },
  cpuSlowdown: 1,
};
const KINDS = ['document', 'script', 'wasm', 'css', 'other'];
const BUNDLE_KINDS = ['script', 'wasm', 'css'];
// Debian's Chromium and its flags, as the test suite launches it (end2end/playwright.config.ts).
const CHROMIUM = JSON.parse(readFileSync(new URL('../support/chromium.json', import.meta.url), 'utf8'));

const USAGE = `usage: node end2end/perf/first-load.mjs --base URL --path PATH [--cookie HEADER] [--path PATH ...]
                  [--runs N] [--no-throttle] [--output FILE]
  --base URL       the running app, e.g. http://127.0.0.1:3000
  --path PATH      a page to open (repeatable)
  --cookie HEADER  cookies for the --path just before it, as a Cookie header ('a=1; b=2')
  --runs N         fresh-context runs per page (default 3); medians are over runs
  --no-throttle    no network or CPU throttling (checks the harness on a debug build)
  --output FILE    write the JSON result there`;

function fail(message) {
  console.error(`first-load: ${message}`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { base: null, pages: [], runs: 3, throttle: true, output: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${flag} needs a value\n${USAGE}`);
      return argv[++i];
    };
    switch (flag) {
      case '--base':
        options.base = value().replace(/\/+$/, '');
        break;
      case '--path': {
        const path = value();
        if (!path.startsWith('/')) fail(`--path ${path}: a path starts with /`);
        options.pages.push({ path, cookie: null });
        break;
      }
      case '--cookie': {
        const page = options.pages.at(-1);
        if (!page) fail('--cookie belongs to a --path: put it after one');
        if (page.cookie !== null) fail(`--path ${page.path} has two --cookie`);
        page.cookie = value();
        break;
      }
      case '--runs':
        options.runs = Number(value());
        if (!Number.isInteger(options.runs) || options.runs < 1) fail('--runs needs a positive integer');
        break;
      case '--no-throttle':
        options.throttle = false;
        break;
      case '--output':
        options.output = value();
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        fail(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  if (!options.base) fail(`--base is required\n${USAGE}`);
  if (options.pages.length === 0) fail(`at least one --path is required\n${USAGE}`);
  try {
    new URL(options.base);
  } catch {
    fail(`--base ${options.base} is not a URL`);
  }
  return options;
}

/** Cookies from a Cookie header's value, for the app's origin. */
function cookiesFor(header, base) {
  const url = new URL(base);
  return header
    .split(';')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) fail(`--cookie: "${pair}" is not name=value`);
      const name = pair.slice(0, at).trim();
      // __Host- and __Secure- cookies must be Secure; Chromium accepts Secure cookies on
      // loopback http, as it does from the app's own Set-Cookie.
      const secure = url.protocol === 'https:' || name.startsWith('__Host-') || name.startsWith('__Secure-');
      return { name, value: pair.slice(at + 1).trim(), domain: url.hostname, path: '/', secure };
    });
}

// Runs in the page before any of its scripts: records first contentful paint and the moment the
// hydration mark first holds, both in performance.now() time (ms from navigation start).
// `window.__firstLoadReady` resolves once both are known, so Node waits without polling the page.
function recorder() {
  const perf = { visible: null, usable: null };
  let ready;
  Object.defineProperty(window, '__firstLoad', { value: perf });
  Object.defineProperty(window, '__firstLoadReady', { value: new Promise((resolve) => (ready = resolve)) });
  const settle = () => perf.visible !== null && perf.usable !== null && ready();
  const hydrated = () => document.body?.getAttribute('data-hydrated') === 'true';
  const check = () => {
    if (perf.usable === null && hydrated()) {
      perf.usable = performance.now();
      observer.disconnect();
      settle();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-hydrated'] });
  check();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.name === 'first-contentful-paint' && perf.visible === null) {
        perf.visible = entry.startTime;
        settle();
      }
    }
  }).observe({ type: 'paint', buffered: true });
}

function kindOf(type, url, mimeType) {
  const path = new URL(url).pathname;
  if (type === 'Document') return 'document';
  if (path.endsWith('.wasm') || mimeType === 'application/wasm') return 'wasm';
  if (path.endsWith('.js') || path.endsWith('.mjs') || type === 'Script') return 'script';
  if (path.endsWith('.css') || type === 'Stylesheet') return 'css';
  return 'other';
}

/** Counts each request's transfer, by kind, from the CDP network events of one visit. */
class Traffic {
  constructor(cdp) {
    this.requests = new Map(); // requestId -> { kind, done }
    this.bytes = Object.fromEntries(KINDS.map((kind) => [kind, 0]));
    this.inFlight = 0;
    this.lastActivity = Date.now();
    this.failed = [];
    this.recording = false;
    cdp.on('Network.requestWillBeSent', (event) => {
      if (!this.recording) return;
      const known = this.requests.get(event.requestId);
      if (known && event.redirectResponse) {
        // The same requestId continues after a redirect; the redirect's answer was transferred too.
        this.bytes[known.kind] += event.redirectResponse.encodedDataLength ?? 0;
        known.kind = kindOf(event.type, event.request.url, null);
      } else if (!known) {
        this.requests.set(event.requestId, { kind: kindOf(event.type, event.request.url, null), done: false });
        this.inFlight++;
      }
      this.lastActivity = Date.now();
    });
    cdp.on('Network.responseReceived', (event) => {
      const request = this.requests.get(event.requestId);
      if (request) request.kind = kindOf(event.type, event.response.url, event.response.mimeType);
    });
    cdp.on('Network.loadingFinished', (event) => {
      const request = this.finish(event.requestId);
      if (request) this.bytes[request.kind] += event.encodedDataLength;
    });
    cdp.on('Network.loadingFailed', (event) => {
      const request = this.finish(event.requestId);
      if (request && !event.canceled) this.failed.push(`${request.kind}: ${event.errorText}`);
    });
  }

  finish(requestId) {
    const request = this.requests.get(requestId);
    if (!request || request.done) return null;
    request.done = true;
    this.inFlight--;
    this.lastActivity = Date.now();
    return request;
  }

  start() {
    this.requests.clear();
    for (const kind of KINDS) this.bytes[kind] = 0;
    this.inFlight = 0;
    this.failed = [];
    this.recording = true;
    this.lastActivity = Date.now();
  }

  async idle() {
    const deadline = Date.now() + IDLE_TIMEOUT_MS;
    while (this.inFlight > 0 || Date.now() - this.lastActivity < IDLE_QUIET_MS) {
      if (Date.now() > deadline) throw new Error(`the network never went idle (${this.inFlight} requests in flight)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.recording = false;
    const bytes = { ...this.bytes };
    bytes.total = KINDS.reduce((sum, kind) => sum + bytes[kind], 0);
    bytes.bundle = BUNDLE_KINDS.reduce((sum, kind) => sum + bytes[kind], 0);
    return bytes;
  }
}

async function throttle(cdp, profile) {
  await cdp.send('Network.emulateNetworkConditions', profile.network);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpuSlowdown });
}

/** One visit: navigate, wait until usable and the network idle, read the page's figures. */
async function visit(page, cdp, traffic, url, profile) {
  await throttle(cdp, profile);
  traffic.start();
  const response = await page.goto(url, { waitUntil: 'commit', timeout: USABLE_TIMEOUT_MS });
  if (!response) throw new Error(`no response for ${url}`);
  if (!response.ok()) throw new Error(`${url} answered ${response.status()}`);
  const landed = new URL(page.url());
  if (landed.pathname !== new URL(url).pathname) {
    throw new Error(`${url} ended on ${landed.pathname} (redirected: signed out, or the --cookie is not valid?)`);
  }
  // One call that waits in the page for the recorder's promise: no polling work in the
  // throttled page, and the times themselves were taken there.
  const ready = page.evaluate(() => window.__firstLoadReady);
  ready.catch(() => {}); // after a timeout it only ends when the context closes
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), USABLE_TIMEOUT_MS)));
  const outcome = await Promise.race([ready, timedOut]);
  clearTimeout(timer);
  const figures = await page.evaluate(() => ({
    ...window.__firstLoad,
    islands: document.querySelectorAll('leptos-island').length,
  }));
  if (outcome === 'timeout') {
    const what = figures.usable === null ? 'body[data-hydrated="true"] never appeared' : 'nothing was ever painted';
    throw new Error(`${url} never became usable within ${USABLE_TIMEOUT_MS / 1000} s: ${what}`);
  }
  const bytes = await traffic.idle();
  await throttle(cdp, UNTHROTTLED);
  if (traffic.failed.length) throw new Error(`${url}: requests failed: ${traffic.failed.join(', ')}`);
  return { visible: round(figures.visible), usable: round(figures.usable), islands: figures.islands, bytes };
}

function round(ms) {
  return Math.round(ms * 10) / 10;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function medians(visits) {
  const bytes = {};
  for (const key of [...KINDS, 'total', 'bundle']) bytes[key] = median(visits.map((v) => v.bytes[key]));
  return { visible: median(visits.map((v) => v.visible)), usable: median(visits.map((v) => v.usable)), bytes };
}

/** A fresh context (empty cache) with the page's cookies, the recorder and a CDP session. */
async function freshVisitor(browser, options, pageSpec, fn) {
  const context = await browser.newContext();
  try {
    if (pageSpec.cookie) await context.addCookies(cookiesFor(pageSpec.cookie, options.base));
    await context.addInitScript(recorder);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    return await fn(page, cdp, new Traffic(cdp));
  } finally {
    await context.close();
  }
}

async function measurePage(browser, options, pageSpec, profile) {
  const url = options.base + pageSpec.path;
  // One unmeasured, unthrottled visit first, in a context of its own: the browser's first page
  // (process start-up) and the server's first answer of each file are not what a visitor waits for.
  await freshVisitor(browser, options, pageSpec, (page, cdp, traffic) => visit(page, cdp, traffic, url, UNTHROTTLED));
  const runs = [];
  for (let run = 1; run <= options.runs; run++) {
    const { first, repeat } = await freshVisitor(browser, options, pageSpec, async (page, cdp, traffic) => ({
      first: await visit(page, cdp, traffic, url, profile),
      repeat: await visit(page, cdp, traffic, url, profile),
    }));
    runs.push({ first, repeat });
    console.error(`first-load: ${pageSpec.path} run ${run}: first ${describe(first)}; repeat ${describe(repeat)}`);
  }
  return {
    path: pageSpec.path,
    signedIn: pageSpec.cookie !== null,
    runs,
    median: { first: medians(runs.map((r) => r.first)), repeat: medians(runs.map((r) => r.repeat)) },
  };
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function describe(v) {
  return `visible ${v.visible} ms, usable ${v.usable} ms, ${kb(v.bytes.total)} (bundle ${kb(v.bytes.bundle)})`;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const profile = options.throttle ? THROTTLED : UNTHROTTLED;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM.executablePath, args: CHROMIUM.args });
  const result = {
    base: options.base,
    runs: options.runs,
    throttled: options.throttle,
    profile: options.throttle
      ? { latencyMs: 150, downloadBytesPerSec: 200_000, uploadBytesPerSec: 93_750, cpuSlowdown: 4 }
      : null,
    chromium: browser.version(),
    pages: [],
    errors: [],
  };
  try {
    for (const pageSpec of options.pages) {
      try {
        result.pages.push(await measurePage(browser, options, pageSpec, profile));
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        result.errors.push({ path: pageSpec.path, error: message });
        console.error(`first-load: ${pageSpec.path}: ${message}`);
      }
    }
  } finally {
    await browser.close();
  }
  if (options.output) writeFileSync(options.output, JSON.stringify(result, null, 2) + '\n');

  const mode = options.throttle ? '1.6 Mbps, 150 ms RTT, 4x CPU slowdown' : 'no throttling';
  console.log(`first load in Chromium ${result.chromium} (${mode}), median of ${options.runs} run(s):`);
  for (const page of result.pages) {
    const { first, repeat } = page.median;
    console.log(
      `  ${page.path}${page.signedIn ? ' (signed in)' : ''}: first visit visible ${first.visible} ms, ` +
        `usable ${first.usable} ms, ${kb(first.bytes.total)} ` +
        `(document ${kb(first.bytes.document)}, js ${kb(first.bytes.script)}, wasm ${kb(first.bytes.wasm)}, ` +
        `css ${kb(first.bytes.css)}, other ${kb(first.bytes.other)}); ` +
        `repeat visit visible ${repeat.visible} ms, usable ${repeat.usable} ms, ${kb(repeat.bytes.total)} ` +
        `(bundle ${kb(repeat.bytes.bundle)})`,
    );
  }
  for (const { path, error } of result.errors) console.log(`  ${path}: FAILED: ${error}`);
  if (result.errors.length) process.exit(1);
}

main().catch((error) => {
  console.error(`first-load: ${error instanceof Error ? error.stack : error}`);
  process.exit(1);
});
