// The tutorial's chat page in a real browser (Debian chromium driven by playwright-core):
// two tabs chat with each other, and a reload shows the full history exactly once. The page
// and /socket.io/socket.io.js are served by `resync serve`; the client starts on polling and
// upgrades, as the tutorial's does. (The page's `const socket` is a global binding, not a
// property of window, hence `typeof socket` in the page functions.) A screenshot is saved in RESYNC_ARTIFACT_DIR (or the
// working directory, which ctest sets to the build directory).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { missingFile } from './lib/required_tool.mjs';
import { cleanExit, startServer } from './lib/server.mjs';

const CHROMIUM = process.env.RESYNC_CHROMIUM || '/usr/bin/chromium';
const missing = missingFile('chromium', 'chromium', CHROMIUM);

describe('the chat page in a real browser', { timeout: 120000, skip: missing }, () => {
  let server;
  let browser;
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  const messagesOf = (page) => page.$$eval('#messages > li', (items) => items.map((item) => item.textContent));
  const waitForMessages = (page, expected) =>
    page.waitForFunction(
      (count) => document.querySelectorAll('#messages > li').length >= count,
      expected.length,
      { timeout: 15000 },
    );

  it('two tabs chat; a reload shows the history exactly once', async () => {
    const { chromium } = await import('playwright-core');
    server = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext();
    const [first, second] = [await context.newPage(), await context.newPage()];
    const pageErrors = [];
    for (const page of [first, second]) page.on('pageerror', (error) => pageErrors.push(String(error)));
    for (const page of [first, second]) {
      const response = await page.goto(server.url + '/');
      assert.equal(response.status(), 200);
      await page.waitForFunction(() => typeof socket !== 'undefined' && socket.connected, null, { timeout: 15000 });
    }
    // The page's client starts on polling and upgrades, as the tutorial's does.
    await first.waitForFunction(() => socket.io.engine.transport.name === 'websocket', null, { timeout: 15000 });

    const sent = ['hello from the first tab', 'and a second message', 'ünïcödé ✓ <b>not bold</b>'];
    for (const text of sent) {
      await first.fill('#input', text);
      await first.click('#form > button');
    }
    await waitForMessages(first, sent);
    await waitForMessages(second, sent);
    assert.deepEqual(await messagesOf(first), sent);
    assert.deepEqual(await messagesOf(second), sent);

    await second.fill('#input', 'reply from the second tab');
    await second.press('#input', 'Enter');
    const all = [...sent, 'reply from the second tab'];
    await waitForMessages(first, all);
    assert.deepEqual(await messagesOf(first), all);

    await second.reload();
    await second.waitForFunction(() => typeof socket !== 'undefined' && socket.connected, null, { timeout: 15000 });
    await waitForMessages(second, all);
    await new Promise((done) => setTimeout(done, 500)); // a duplicate would have arrived by now
    assert.deepEqual(await messagesOf(second), all, 'after a reload the history appears exactly once');

    const directory = process.env.RESYNC_ARTIFACT_DIR || process.cwd();
    mkdirSync(directory, { recursive: true });
    const screenshot = join(directory, 'browser_chat.png');
    await second.screenshot({ path: screenshot });
    console.log(`# screenshot: ${screenshot}`);
    assert.deepEqual(pageErrors, []);
  });

  it('the server never crashed and shuts down cleanly', async () => {
    await browser?.close();
    browser = null;
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
  });
});
