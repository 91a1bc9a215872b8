// Opens a golive HTML report in the system's headless Chromium and prints,
// as JSON, what a reader sees: the decision, the reasons, the item rows,
// the charts, the sign-offs, every request the page made, and how it
// prints (a PDF's page count). Usage: node inspect.mjs REPORT.html PDF_OUT
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, pdfOut] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'golive-chromium-'));
// A fresh profile every time (Playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  timeout: 60000,
});
try {
  const page = await browser.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: 'load', timeout: 30000 });
  const seen = await page.evaluate(() => {
    const text = (el) => (el ? el.innerText.trim() : null);
    const visible = (el) => !!el && el.getBoundingClientRect().height > 0;
    const rect = (el) => { const r = el.getBoundingClientRect(); return { top: r.top, height: r.height }; };
    const decision = document.querySelector('#decision');
    return {
      title: document.title,
      decision: text(decision?.querySelector('strong')),
      decisionTop: decision ? rect(decision).top : null,
      decisionVisible: visible(decision),
      reasons: [...document.querySelectorAll('#reasons li')].map(text),
      waived: [...document.querySelectorAll('#waived li')].map(text),
      items: [...document.querySelectorAll('#items tr[data-id]')].map((tr) => ({
        id: tr.dataset.id,
        status: text(tr.cells[0]),
        item: text(tr.cells[1]),
        evidence: text(tr.cells[2]),
        bars: tr.querySelectorAll('rect.bucket').length,
        histogramVisible: visible(tr.querySelector('figure.histogram svg')),
      })),
      sections: [...document.querySelectorAll('#sections tr')].slice(1).map((tr) => text(tr)),
      readinessPoints: document.querySelectorAll('#readiness circle.run').length,
      readinessVisible: visible(document.querySelector('#readiness svg')),
      signoffs: [...document.querySelectorAll('#signoffs tr')].slice(1).map((tr) => [...tr.cells].map(text)),
      h2: [...document.querySelectorAll('h2')].map(text),
    };
  });
  await page.emulateMedia({ media: 'print' });
  const detailsHiddenInPrint = await page.evaluate(() =>
    [...document.querySelectorAll('details')].every((d) => getComputedStyle(d).display === 'none'));
  await page.pdf({ path: pdfOut, format: 'A4', printBackground: true });
  const pdf = readFileSync(pdfOut, 'latin1');
  const pdfPages = (pdf.match(/\/Type\s*\/Page[^s]/g) || []).length;
  console.log(JSON.stringify({ ...seen, requests, detailsHiddenInPrint, pdfPages }));
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
