// `resync run ... --report DIR --junit FILE`: the JUnit XML has the common schema's shape
// (testsuites > testsuite > testcase > failure) that CI systems read, its counts add up,
// and it links to the HTML report the same run wrote (DIR/index.html). The XML is parsed
// here by a small strict parser (well-formedness included); when xmllint is installed it
// also validates against reports/junit/tests/junit_common.xsd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { missingProgram } from './lib/required_tool.mjs';

const RESYNC_BIN = process.env.RESYNC_BIN;
const SCHEMA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'reports', 'junit', 'tests', 'junit_common.xsd');

const passingScenario = {
  name: 'report-junit-passing',
  description: 'Passes: two clients, no faults, against the strict server.',
  clients: [{ name: 'alice' }, { name: 'bob' }],
  timeline: [{ at_ms: 100, send: { clients: 'alice', count: 10, interval_ms: 10 } }, { at_ms: 400, wait: {} }],
  expect: { verdict: 'valid' },
};
const failingScenario = {
  name: 'report-junit-failing',
  description: 'Fails on purpose: the tutorial server races a fresh page\'s catch-up with live messages whose text is XML markup.',
  server: { delivery: 'tutorial', preload_messages: 2000 },
  clients: [{ name: 'sender' }, { name: 'fresh', connect_at_start: false }],
  timeline: [
    { at_ms: 100, send: { clients: 'sender', count: 80, interval_ms: 5, content_prefix: '<b>&"]]>' } },
    { at_ms: 150, connect: 'fresh' },
    { at_ms: 900, wait: {} },
  ],
  expect: { verdict: 'valid' },
};

// ---- a strict little XML parser: elements, attributes, text, the five entities and
// character references; anything else (or a mismatched tag) throws.
function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, entity) => {
    if (entity[0] === '#') return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity];
  });
}
function parseXml(xml) {
  let at = 0;
  const fail = (why) => { throw new Error(`XML: ${why} at offset ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`); };
  const skipMisc = () => {
    for (;;) {
      const rest = xml.slice(at);
      const space = rest.match(/^\s+/);
      if (space) { at += space[0].length; continue; }
      if (rest.startsWith('<?')) { at = xml.indexOf('?>', at) + 2; continue; }
      if (rest.startsWith('<!--')) { at = xml.indexOf('-->', at) + 3; continue; }
      return;
    }
  };
  const parseElement = () => {
    const open = xml.slice(at).match(/^<([A-Za-z_][\w.-]*)/);
    if (!open) fail('expected an element');
    at += open[0].length;
    const element = { name: open[1], attributes: {}, children: [], text: '' };
    for (;;) {
      const attribute = xml.slice(at).match(/^\s+([A-Za-z_][\w.:-]*)="([^"<]*)"/);
      if (!attribute) break;
      if (attribute[1] in element.attributes) fail(`duplicate attribute ${attribute[1]}`);
      element.attributes[attribute[1]] = decodeEntities(attribute[2]);
      at += attribute[0].length;
    }
    const end = xml.slice(at).match(/^\s*(\/?)>/);
    if (!end) fail('expected > or />');
    at += end[0].length;
    if (end[1]) return element;
    for (;;) {
      const next = xml.indexOf('<', at);
      if (next < 0) fail(`unclosed <${element.name}>`);
      const text = xml.slice(at, next);
      if (/&(?!(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);)/.test(text)) fail('bare & in text');
      element.text += decodeEntities(text);
      at = next;
      if (xml.startsWith('</', at)) {
        const close = xml.slice(at).match(/^<\/([A-Za-z_][\w.-]*)\s*>/);
        if (!close || close[1] !== element.name) fail(`expected </${element.name}>`);
        at += close[0].length;
        return element;
      }
      if (xml.startsWith('<!--', at)) { at = xml.indexOf('-->', at) + 3; continue; }
      if (xml.startsWith('<![CDATA[', at)) fail('CDATA is not used by the writer');
      element.children.push(parseElement());
    }
  };
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (at !== xml.length) fail('content after the root element');
  return root;
}
const childrenNamed = (element, name) => element.children.filter((child) => child.name === name);

let workDirectory;
let run;
let junitPath;
let reportDirectory;

before(() => {
  assert.ok(RESYNC_BIN, 'RESYNC_BIN must point at the resync binary (ctest sets it)');
  workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'resync-report-junit-'));
  const scenarios = path.join(workDirectory, 'scenarios');
  fs.mkdirSync(scenarios);
  fs.writeFileSync(path.join(scenarios, 'passing.json'), JSON.stringify(passingScenario));
  fs.writeFileSync(path.join(scenarios, 'failing.json'), JSON.stringify(failingScenario));
  reportDirectory = path.join(workDirectory, 'report');
  junitPath = path.join(workDirectory, 'junit.xml');
  run = spawnSync(RESYNC_BIN, ['run', scenarios, '--mode', 'sim', '--report', reportDirectory, '--junit', junitPath],
    { encoding: 'utf8' });
});

after(() => {
  if (workDirectory) fs.rmSync(workDirectory, { recursive: true, force: true });
});

test('resync run --report --junit: exit 1, and both files are written', () => {
  assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
  assert.ok(fs.existsSync(junitPath));
  assert.ok(fs.existsSync(path.join(reportDirectory, 'index.html')));
  assert.match(run.stdout, new RegExp(`HTML report: ${path.join(reportDirectory, 'index.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.ok(fs.readdirSync(path.join(reportDirectory, 'runs')).length === 2, 'histories are kept under DIR/runs');
});

test('the JUnit XML has the common schema structure and its counts add up', () => {
  const root = parseXml(fs.readFileSync(junitPath, 'utf8'));
  assert.equal(root.name, 'testsuites');
  const suites = childrenNamed(root, 'testsuite');
  assert.equal(suites.length, 1);
  const suite = suites[0];
  for (const attribute of ['name', 'tests', 'failures', 'errors', 'time']) assert.ok(attribute in suite.attributes, attribute);
  const cases = childrenNamed(suite, 'testcase');
  assert.equal(cases.length, 2);
  assert.equal(Number(suite.attributes.tests), 2);
  assert.equal(Number(root.attributes.tests), 2);
  const failures = cases.filter((testcase) => childrenNamed(testcase, 'failure').length === 1);
  assert.equal(failures.length, 1);
  assert.equal(Number(suite.attributes.failures), 1);
  assert.equal(Number(suite.attributes.errors), 0);
  for (const testcase of cases) {
    assert.ok(testcase.attributes.name && testcase.attributes.classname, JSON.stringify(testcase.attributes));
    assert.match(testcase.attributes.time, /^[0-9]+(\.[0-9]{1,3})?$/);
    for (const child of testcase.children) assert.ok(['failure', 'error', 'skipped', 'system-out', 'system-err'].includes(child.name), child.name);
  }
  const failure = childrenNamed(failures[0], 'failure')[0];
  assert.equal(failures[0].attributes.name, 'report-junit-failing');
  // The message leads with the root cause, then the verdict.
  assert.match(failure.attributes.message, /^root cause \(first of \d+\): .* — invalid \(expected valid\)/);
  assert.equal(failure.attributes.type, 'invalid');
  assert.match(failure.text, /replay/);
});

test('the JUnit XML links the HTML report that exists next to it', () => {
  const root = parseXml(fs.readFileSync(junitPath, 'utf8'));
  const suite = childrenNamed(root, 'testsuite')[0];
  const htmlPath = path.join(reportDirectory, 'index.html');
  const properties = childrenNamed(suite, 'properties')[0];
  assert.ok(properties, 'a <properties> element');
  const link = childrenNamed(properties, 'property').find((property) => property.attributes.name === 'html_report');
  assert.ok(link, 'an html_report property');
  assert.equal(link.attributes.value, htmlPath);
  assert.ok(fs.existsSync(link.attributes.value));
  for (const testcase of childrenNamed(suite, 'testcase')) {
    const out = childrenNamed(testcase, 'system-out').map((element) => element.text).join('\n');
    assert.ok(out.includes(`HTML report: ${htmlPath}`), out);
    assert.ok(out.includes(`[[ATTACHMENT|${htmlPath}]]`), out);
  }
  // The linked page is the report of these very scenarios.
  const html = fs.readFileSync(htmlPath, 'utf8');
  assert.match(html, /report-junit-failing/);
  assert.match(html, /report-junit-passing/);
  assert.equal((html.match(/<tr class="scenario-row/g) ?? []).length, 2);
});

const xmllintMissing = missingProgram('xmllint', 'libxml2-utils');
test('the JUnit XML validates against junit_common.xsd', { skip: xmllintMissing }, () => {
  const result = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, junitPath], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});
