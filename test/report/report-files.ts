import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under a reports folder as text, the HTML report's embedded base64 data decoded too. */
export function reportTexts(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const text = readFileSync(path, 'utf8');
        out.push({ file: path, text });
        for (const m of text.matchAll(/data:[\w/+.-]+;base64,([A-Za-z0-9+/=]+)/g)) out.push({ file: `${path} (embedded)`, text: Buffer.from(m[1], 'base64').toString('utf8') });
      }
    }
  };
  walk(dir);
  return out;
}

export function leaks(dir: string, output: string, secrets: string[]): string[] {
  const found: string[] = [];
  for (const { file, text } of [...reportTexts(dir), { file: 'console', text: output }]) {
    for (const s of secrets) if (text.includes(s)) found.push(`${s} in ${file}`);
  }
  return found;
}

