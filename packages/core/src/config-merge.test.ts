import { checkConfigFields, mergeConfig } from './config-merge';

const DEFAULTS: Readonly<{ eps: number; clip: number }> = Object.freeze({ eps: 1e-4, clip: 5 });

describe('mergeConfig', () => {
  it('fills missing fields from the defaults and keeps given ones', () => {
    expect(mergeConfig(DEFAULTS, { clip: 2 }, 'f')).toEqual({ eps: 1e-4, clip: 2 });
    expect(mergeConfig(DEFAULTS, undefined, 'f')).toEqual({ eps: 1e-4, clip: 5 });
  });

  it('treats a field given as undefined as not given (the default stays, as with ??)', () => {
    const merged = mergeConfig(DEFAULTS, { eps: undefined, clip: 3 }, 'f');
    expect(merged).toEqual({ eps: 1e-4, clip: 3 });
  });

  it('refuses a misspelt field, naming the source, the key and the fields it has', () => {
    expect(() => mergeConfig(DEFAULTS, { epss: 1 } as never, 'groupAdvantages')).toThrow(
      'groupAdvantages: unknown field "epss"; expected only eps, clip',
    );
  });

  it('does not modify the frozen defaults', () => {
    mergeConfig(DEFAULTS, { eps: 7 }, 'f');
    expect(DEFAULTS.eps).toBe(1e-4);
  });
});

describe('checkConfigFields', () => {
  it('refuses a config that is not a plain object', () => {
    expect(() => checkConfigFields(null, DEFAULTS, 'kid')).toThrow(/kid: the config must be an object of fields eps, clip; got null/);
    expect(() => checkConfigFields([1], DEFAULTS, 'kid')).toThrow(TypeError);
    expect(() => checkConfigFields(3, DEFAULTS, 'kid')).toThrow(TypeError);
  });

  it('accepts inherited-looking names only when they are own fields of the defaults', () => {
    expect(() => checkConfigFields({ toString: 1 }, DEFAULTS, 'kid')).toThrow(/unknown field "toString"/);
    expect(() => checkConfigFields({ eps: 1, clip: 2 }, DEFAULTS, 'kid')).not.toThrow();
  });

  it('takes the field names as a list too', () => {
    expect(() => checkConfigFields({ a: 1, c: 2 }, ['a', 'b'], 'cfg')).toThrow('cfg: unknown field "c"; expected only a, b');
    expect(() => checkConfigFields({ b: 1 }, ['a', 'b'], 'cfg')).not.toThrow();
  });
});
