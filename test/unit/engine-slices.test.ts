/**
 * Slices: the whole model plus one slice per value of each dimension field, capped per field with
 * an `__other__` slice, restricted to `slices.dimensions` when set, safe with any field name.
 */
import { SliceRegistry } from '../../src/engine/slice-registry';
import { metricCatalog } from '../../src/engine/metric-catalog';

describe('slice registry', () => {
  it('gives the whole model, then one slice per field value in first-seen order', () => {
    const r = new SliceRegistry(undefined, 20);
    expect(r.resolve({ device: 'ios', region: 'eu' })).toEqual([0, 1, 2]);
    expect(r.resolve({ region: 'eu', device: 'android' })).toEqual([0, 2, 3]);
    expect(r.slices.map((s) => s.key)).toEqual(['', 'device=ios', 'region=eu', 'device=android']);
    expect(r.slices[3]?.value).toEqual({ device: 'android' });
  });

  it('folds values beyond slices.maxValuesPerField into the field\'s __other__ slice', () => {
    const r = new SliceRegistry(undefined, 2);
    const ids = ['a', 'b', 'c', 'd', 'a'].map((v) => r.resolve({ user: v })[1]);
    expect(ids).toEqual([1, 2, 3, 3, 1]);
    expect(r.slices[3]?.value).toEqual({ user: '__other__' });
  });

  it('uses only slices.dimensions when set', () => {
    const r = new SliceRegistry(['device'], 20);
    expect(r.resolve({ device: 'ios', region: 'eu' })).toEqual([0, 1]);
    expect(r.resolve({ region: 'eu' })).toEqual([0]);
  });

  it('keeps field names such as __proto__ as plain data', () => {
    const r = new SliceRegistry(undefined, 20);
    const segment = JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, string>;
    expect(r.resolve(segment)).toEqual([0, 1, 2]);
    expect(Object.keys(r.slices[1]?.value ?? {})).toEqual(['__proto__']);
    expect(JSON.stringify(r.slices[1]?.value)).toBe('{"__proto__":"x"}');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('names the metrics as DESIGN §2.2 fixes them, features as feature:<name>', () => {
    expect(metricCatalog([{ name: 'snr_db', type: 'numeric' }, { name: 'lang', type: 'categorical' }]).map((m) => `${m.name}/${m.kind}/${m.type}`)).toEqual([
      'input_length/data_drift/continuous', 'missing_values/data_drift/continuous', 'brightness/data_drift/continuous',
      'null_output/concept_drift/rate', 'redo/concept_drift/rate', 'switch_to_typing/concept_drift/rate',
      'confidence/concept_drift/continuous', 'latency_ms/concept_drift/continuous', 'error_rate/concept_drift/rate',
      'feature:snr_db/data_drift/continuous', 'feature:lang/data_drift/categorical',
    ]);
  });
});
