import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

/**
 * Shared checks for every portal page a browser test opens: axe-core's accessibility rules and
 * screenshots at laptop and tablet width, kept under test-artifacts/screenshots/ (gitignored) so a
 * person can look at what the run saw.
 */

export const SCREENSHOT_DIR = path.join(__dirname, '..', '..', 'test-artifacts', 'screenshots');

/** Laptop and tablet (portrait) widths the portal must read well at. */
export const WIDTHS = [1366, 820] as const;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

let axeSource: string | null = null;

/**
 * Runs axe-core inside the page and returns its serious and critical violations. The source is
 * evaluated through the browser's debugging channel, which the portal's CSP (no scripts at all)
 * does not govern, so the page under test is the page users get.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // axe.min.js sets window.axe; the trailing `0` keeps its completion value out of the reply.
  await page.evaluate(`${axeSource}\n;0`);
  // A string, because the tests compile without the DOM library; it runs inside the page.
  const json = (await page.evaluate(`(async () => {
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return JSON.stringify(r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    })));
  })()`)) as string;
  const all = JSON.parse(json) as AxeViolation[];
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Readable one line per violation, for a failing expectation's message. */
export const describeViolations = (vs: AxeViolation[]): string[] =>
  vs.map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);

/**
 * Screenshots the page at each width (full page) and reports, per width, whether the page scrolls
 * sideways (content wider than the window). The viewport is left at the last width.
 */
export async function screenshotWidths(
  page: Page,
  name: string,
): Promise<Array<{ width: number; file: string; scrollsSideways: boolean }>> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const out: Array<{ width: number; file: string; scrollsSideways: boolean }> = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width > 1000 ? 900 : 1180 });
    const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const overflow = (await page.evaluate(
      `document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`,
    )) as boolean;
    out.push({ width, file, scrollsSideways: overflow });
  }
  return out;
}

/**
 * The check every page gets: 0 serious or critical axe violations, and no sideways scrolling at
 * any of the widths. Returns the problems found (empty when the page passes), so a test can
 * `expect(await checkPage(page, 'name')).toEqual([])` and read the list when it fails.
 */
export async function checkPage(page: Page, name: string): Promise<string[]> {
  const problems = describeViolations(await seriousViolations(page));
  for (const shot of await screenshotWidths(page, name))
    if (shot.scrollsSideways) problems.push(`scrolls sideways at ${shot.width} px (${shot.file})`);
  await page.setViewportSize({ width: WIDTHS[0], height: 900 });
  return problems;
}
