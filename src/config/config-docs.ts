import { configOptions } from './config-options';

/**
 * The option table of docs/configuration.md, generated from the schema so the docs cannot drift
 * (test/unit/config.test.ts compares them). After changing an option in config-schema.ts:
 *   npm run build && node -e "console.log(require('./dist/src/config/config-docs.js').optionsTable())"
 * and paste the output over the table in docs/configuration.md.
 */
export function optionsTable(): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = configOptions().map((o) => {
    const shown = o.defaultText === '(absent)' ? '(absent)' : `\`${o.defaultText}\``;
    return `| \`${o.path}\` | \`${o.envVar}\` | ${shown} | ${esc(o.valid)} | ${esc(o.description)} |`;
  });
  return ['| option | env var | default | valid values | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}
