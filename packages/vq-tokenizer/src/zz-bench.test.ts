import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@speedrl/tensor-utils';

function time(label: string, f: () => tf.Tensor | tf.Tensor[], reps = 5) {
  tf.dispose(f());
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) { const r = f(); const arr = Array.isArray(r) ? r : [r]; arr.forEach(t => t.dataSync()); tf.dispose(r); }
  console.log(label, ((performance.now() - t0) / reps).toFixed(1), 'ms');
}
test('bench', async () => {
  await initBackend();
  for (const [h, ci, co, k] of [[7, 64, 64, 3], [14, 64, 128, 3], [7, 256, 64, 2], [14,4,64,3]]) {
    const x = tf.randomNormal([64, h, h, ci]) as tf.Tensor4D;
    const dy = tf.randomNormal([64, h, h, co]) as tf.Tensor4D;
    const w = tf.randomNormal([k, k, ci, co]) as tf.Tensor4D;
    const p = k === 3 ? [1, 1] : [0, 1];
    time(`fwd ${h} ${ci}->${co} k${k}`, () => tf.conv2d(x, w, 1, 'same'));
    time(`  dx conv`, () => tf.conv2d(dy, tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D, 1, [[0,0],[k-1-p[0]!, k-1-p[1]!],[k-1-p[0]!, k-1-p[1]!],[0,0]]));
    time(`  dW via conv`, () => tf.tidy(() => {
      const xp = tf.pad(x, [[0,0],p as [number,number],p as [number,number],[0,0]]).transpose([3,1,2,0]) as tf.Tensor4D;
      const f = dy.transpose([1,2,0,3]) as tf.Tensor4D;
      return tf.conv2d(xp, f, 1, 'valid').transpose([1,2,0,3]);
    }));
    time(`  transpose x only`, () => tf.pad(x, [[0,0],p as [number,number],p as [number,number],[0,0]]).transpose([3,1,2,0]));
  }
}, 600000);
