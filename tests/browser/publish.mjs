// The published site in a real browser: Debian's headless Chromium, driven over the DevTools
// protocol with nothing but node's own WebSocket and http modules (no npm package). Loads the
// site from file:// and from an HTTP server on 127.0.0.1 this script starts and stops, and checks
// that no page logs an error, that the search box and the filters work, that each claim page's
// ClaimReview parses and holds what search engines read, and that hostile text runs nothing (no
// dialog, no injected element). Writes a screenshot of each kind of page into OUTDIR.
//
// Usage: node --experimental-websocket publish.mjs CHROMIUM SITE OUTDIR
// Exits 0 when every check passed, 1 otherwise (each failure printed), 99 when the browser
// cannot be driven at all.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';

const [chromium, siteArg, outDir] = process.argv.slice(2);
const site = resolve(siteArg);
let failures = 0;
let checks = 0;
const check = (ok, what) => {
  checks++;
  if (!ok) {
    failures++;
    console.log(`FAIL: ${what}`);
  }
};

// ---- a static server on 127.0.0.1 ----
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.css': 'text/css; charset=utf-8',
  '.bundle': 'application/octet-stream' };
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const file = join(site, path.endsWith('/') ? path + 'index.html' : path);
  try {
    if (!file.startsWith(site) || !statSync(file).isFile()) throw new Error('not a file');
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  } catch {
    res.writeHead(404);
    res.end('not found');
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const httpBase = `http://127.0.0.1:${server.address().port}/`;

// ---- the browser ----
const profile = mkdtempSync(join(tmpdir(), 'claimtrail-chromium-'));
const args = ['--headless', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
  '--disable-extensions', '--disable-background-networking', '--disable-sync',
  '--disable-component-update', '--remote-debugging-port=0', `--user-data-dir=${profile}`,
  '--window-size=1000,1400', 'about:blank'];
if (process.getuid && process.getuid() === 0) args.unshift('--no-sandbox');
const browser = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
const exited = new Promise((ok) => browser.on('exit', ok));
const cleanup = async () => {
  try { browser.kill('SIGKILL'); } catch { /* gone */ }
  server.close();
  await Promise.race([exited, new Promise((ok) => setTimeout(ok, 3000))]);
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {
    /* a helper process may still write there: the caller's temporary folder holds it */
  }
};
const timer = setTimeout(() => {
  console.log('FAIL: the browser test took longer than 50 seconds');
  cleanup().then(() => process.exit(1));
}, 50000);

const wsUrl = await new Promise((ok, fail) => {
  let err = '';
  browser.stderr.on('data', (d) => {
    err += d;
    const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) ok(m[1]);
  });
  browser.on('exit', (code) => fail(new Error(`chromium exited (${code}): ${err.slice(-500)}`)));
}).catch((e) => {
  console.log(`cannot start the browser: ${e.message}`);
  return cleanup().then(() => process.exit(99));
});

const ws = new WebSocket(wsUrl);
await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
let nextId = 1;
const pending = new Map();
const listeners = [];
ws.onmessage = (ev) => {
  const msg = JSON.parse(ev.data);
  if (msg.id && pending.has(msg.id)) {
    const { ok, fail } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) fail(new Error(JSON.stringify(msg.error)));
    else ok(msg.result);
  } else if (msg.method) {
    for (const l of listeners) l(msg);
  }
};
const send = (method, params = {}, sessionId) => new Promise((ok, fail) => {
  const id = nextId++;
  pending.set(id, { ok, fail });
  ws.send(JSON.stringify({ id, method, params, sessionId }));
});

const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
const page = (method, params) => send(method, params, sessionId);
let errors = [];
let dialogs = [];
listeners.push((msg) => {
  if (msg.sessionId !== sessionId) return;
  if (msg.method === 'Runtime.exceptionThrown')
    errors.push(msg.params.exceptionDetails.exception?.description || msg.params.exceptionDetails.text);
  if (msg.method === 'Runtime.consoleAPICalled' && (msg.params.type === 'error' || msg.params.type === 'assert'))
    errors.push(msg.params.args.map((a) => a.value ?? a.description).join(' '));
  if (msg.method === 'Log.entryAdded' && msg.params.entry.level === 'error')
    errors.push(`${msg.params.entry.text} ${msg.params.entry.url || ''}`);
  if (msg.method === 'Page.javascriptDialogOpening') {
    dialogs.push(msg.params.message);
    page('Page.handleJavaScriptDialog', { accept: false }).catch(() => {});
  }
});
await page('Page.enable');
await page('Runtime.enable');
await page('Log.enable');

const evaluate = async (expression) => {
  const r = await page('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
  if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.text}`);
  return r.result.value;
};
const load = async (url) => {
  errors = [];
  dialogs = [];
  const loaded = new Promise((ok) => {
    const l = (msg) => {
      if (msg.sessionId === sessionId && msg.method === 'Page.loadEventFired') {
        listeners.splice(listeners.indexOf(l), 1);
        ok();
      }
    };
    listeners.push(l);
  });
  const nav = await page('Page.navigate', { url });
  check(!nav.errorText, `${url} loads (${nav.errorText})`);
  await loaded;
  await new Promise((ok) => setTimeout(ok, 100)); // late console messages
};
const screenshot = async (name) => {
  const { data } = await page('Page.captureScreenshot', { format: 'png', captureBeyondViewport: false });
  writeFileSync(join(outDir, name), Buffer.from(data, 'base64'));
};
const clean = (url) => {
  check(errors.length === 0, `${url}: no console errors (got: ${errors.join(' | ')})`);
  check(dialogs.length === 0, `${url}: no dialog opened (got: ${dialogs.join(' | ')})`);
};
// nothing user text could have added: no img, iframe, object, inline handler, or script other
// than the page's own (index.js and search.js on the index, the ld+json on a claim page)
const noInjection = async (url, scripts) => {
  const got = await evaluate(`(() => {
    const s = [...document.scripts].map((e) => e.type === 'application/ld+json' ? 'ld' : (e.getAttribute('src') || 'inline'));
    const handlers = [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length;
    const js = [...document.querySelectorAll('[href], [src]')].filter((e) => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src'))).length;
    return { scripts: s, img: document.querySelectorAll('img, iframe, object, embed').length, handlers, js, pwned: typeof window.__pwned };
  })()`);
  check(JSON.stringify(got.scripts) === JSON.stringify(scripts), `${url}: scripts ${JSON.stringify(got.scripts)}, wanted ${JSON.stringify(scripts)}`);
  check(got.img === 0 && got.handlers === 0 && got.js === 0 && got.pwned === 'undefined', `${url}: injected elements: ${JSON.stringify(got)}`);
};

const index = JSON.parse(readFileSync(join(site, 'index.json'), 'utf8'));
const visible = () => evaluate(`[...document.querySelectorAll('#claims tbody tr')].filter((r) => !r.hidden).map((r) => r.id.slice(6)).sort().join(',')`);
const setField = (id, value) => evaluate(`(() => { const e = document.getElementById(${JSON.stringify(id)}); e.value = ${JSON.stringify(value)}; e.dispatchEvent(new Event('input', { bubbles: true })); return e.value; })()`);

try {
  for (const base of [new URL('file://' + site + '/').href, httpBase]) {
    const kind = base.startsWith('file:') ? 'file' : 'http';
    // ---- the index: search and filters ----
    const iu = base + 'index.html';
    await load(iu);
    clean(iu);
    await noInjection(iu, ['index.js', 'search.js']);
    check(await evaluate(`document.getElementById('filters').hidden === false`), `${iu}: the search form is shown when scripts run`);
    const all = index.claims.map((c) => c.id).sort().join(',');
    check(await visible() === all, `${iu}: every claim listed at first`);
    await setField('q', 'zebra');
    check(await visible() === 'hostile-script', `${iu}: search "zebra" finds hostile-script (got ${await visible()})`);
    await setField('q', 'POLICE');
    check(await visible() === 'rally', `${iu}: search "POLICE" (a word of a note) finds rally (got ${await visible()})`);
    await setField('q', 'council wording');
    check(await visible() === '', `${iu}: search for two words no claim has both of finds none (got ${await visible()})`);
    await setField('q', '1,200 rally');
    check(await visible() === 'rally', `${iu}: search by the words of a quote finds rally (got ${await visible()})`);
    await setField('q', '');
    await setField('status', 'supported');
    check(await visible() === 'rally', `${iu}: status filter (got ${await visible()})`);
    await setField('status', '');
    await setField('tag', 'hostile');
    check(await visible() === 'hostile-attr,hostile-script,hostile-url', `${iu}: tag filter (got ${await visible()})`);
    await setField('source', 'council');
    check(await visible() === '', `${iu}: tag and source filters together (got ${await visible()})`);
    await setField('tag', '');
    check(await visible() === 'rally', `${iu}: source filter (got ${await visible()})`);
    check((await evaluate(`document.getElementById('count').textContent`)).startsWith('1 of 4'), `${iu}: the count says what is shown`);
    // the query string fills the form, so a search can be linked to
    await load(iu + '?q=okapi');
    check(await visible() === 'hostile-url', `${iu}?q=okapi: finds hostile-url (got ${await visible()})`);
    clean(iu + '?q=okapi');
    if (kind === 'file') {
      await load(iu);
      await screenshot('publish-index.png');
    }

    // ---- every claim page ----
    for (const c of index.claims) {
      const cu = base + c.page;
      await load(cu);
      clean(cu);
      const ld = await evaluate(`[...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => s.textContent)`);
      const hasVerdict = c.verdict !== null;
      await noInjection(cu, hasVerdict ? ['ld'] : []);
      check(ld.length === (hasVerdict ? 1 : 0), `${cu}: ${hasVerdict ? 'one' : 'no'} ClaimReview`);
      if (ld.length === 1) {
        let r = null;
        try { r = JSON.parse(ld[0]); } catch (e) { check(false, `${cu}: the ClaimReview parses: ${e.message}`); }
        if (r) {
          const rr = r.reviewRating || {};
          const it = r.itemReviewed || {};
          check(r['@type'] === 'ClaimReview' && r['@context'] === 'https://schema.org', `${cu}: @type and @context`);
          check(r.claimReviewed === c.statement, `${cu}: claimReviewed is the statement`);
          check(['ratingValue', 'bestRating', 'worstRating', 'alternateName'].every((k) => k in rr), `${cu}: reviewRating ${JSON.stringify(rr)}`);
          check(it['@type'] === 'Claim' && it.author && it.appearance, `${cu}: itemReviewed ${JSON.stringify(it)}`);
          check(r.author && r.author.name && /^\d{4}-\d{2}-\d{2}$/.test(r.datePublished), `${cu}: author and datePublished`);
          check(typeof r.url === 'string' && r.url.startsWith('https://') && r.url.endsWith('/' + c.page), `${cu}: url ${r.url}`);
        }
      }
      // the statement is shown as text, exactly
      check(await evaluate(`document.querySelector('h1').textContent`) === c.statement, `${cu}: the heading is the statement as text`);
      if (kind === 'file' && c.id === 'rally') await screenshot('publish-claim.png');
    }

    // ---- the source pages ----
    for (const id of [...new Set(index.claims.map((c) => c.source))]) {
      const su = base + 'source/' + id + '.html';
      await load(su);
      clean(su);
      await noInjection(su, []);
      if (kind === 'file' && id === 'council') await screenshot('publish-source.png');
    }
    // a narrow screen: the index reads as a list, with no horizontal scrolling
    if (kind === 'http') {
      await page('Emulation.setDeviceMetricsOverride', { width: 390, height: 844, deviceScaleFactor: 1, mobile: true });
      await load(iu);
      check(await evaluate(`document.documentElement.scrollWidth <= window.innerWidth + 1`), `${iu}: no horizontal scrolling on a phone-sized screen`);
      await screenshot('publish-index-phone.png');
      await page('Emulation.clearDeviceMetricsOverride');
    }
  }
} catch (e) {
  check(false, `the browser session: ${e.stack || e.message}`);
}
clearTimeout(timer);
await Promise.race([send('Browser.close').catch(() => {}), new Promise((ok) => setTimeout(ok, 2000))]);
ws.close();
await cleanup();
console.log(`${checks} browser checks, ${failures} failed`);
process.exit(failures ? 1 : 0);
