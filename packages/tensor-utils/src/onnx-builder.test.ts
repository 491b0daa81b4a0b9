import onnxProto from 'onnx-proto';
import { GraphBuilder, MS_DOMAIN, ONNX_FLOAT, readModelMetadata } from './onnx-builder';

describe('GraphBuilder', () => {
  test('fresh names, shared constants, inputs and outputs named once', () => {
    const g = new GraphBuilder({ label: 'test graph' });
    const x = g.input('x', ONNX_FLOAT, ['n']);
    expect(g.fresh('x')).toBe('x_1');
    expect(g.ints([1, 2])).toBe(g.ints([1, 2]));
    expect(g.ints([1, 2])).not.toBe(g.ints([1, 2], [2, 1]));
    expect(g.scalar(0.5)).toBe(g.scalar(0.5));
    g.output('y', g.op('Mul', [x, g.scalar(0.5)]), ONNX_FLOAT, ['n']);
    expect(() => g.input('x', ONNX_FLOAT, ['n'])).toThrow('test graph: duplicate input name "x"');
    expect(() => g.output('y', x, ONNX_FLOAT, ['n'])).toThrow('test graph: duplicate output name "y"');
  });

  test('nodes carry the builder\'s domain, the field left out when it has none; contrib ops name theirs', () => {
    const domains = (g: GraphBuilder): (string | undefined)[] => {
      const a = g.input('a', ONNX_FLOAT, [2, 2]);
      g.output('p', g.matmul(g.op('Relu', [a]), a, 'mm', { transB: true }), ONNX_FLOAT, [2, 2]);
      const model = onnxProto.onnx.ModelProto.decode(g.encode({ graphName: 'g', opsets: [{ domain: '', version: 17 }], producer: 'test' }));
      return (model.graph?.node ?? []).map((n) => (Object.prototype.hasOwnProperty.call(n, 'domain') ? (n.domain ?? undefined) : undefined));
    };
    expect(domains(new GraphBuilder())).toEqual([undefined, MS_DOMAIN, undefined]);
    expect(domains(new GraphBuilder({ nodeDomain: '' }))).toEqual(['', MS_DOMAIN, undefined]);
  });

  test('metadata written by encode is read back', () => {
    const g = new GraphBuilder();
    g.output('y', g.input('x', ONNX_FLOAT, [1]), ONNX_FLOAT, [1]);
    const bytes = g.encode({ graphName: 'g', opsets: [{ domain: '', version: 17 }], producer: 'test', metadata: { a: '1', b: 'two' } });
    expect(readModelMetadata(bytes)).toEqual({ a: '1', b: 'two' });
  });
});
