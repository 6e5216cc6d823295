"""The optimizer unetdiag trains with: Keras's Adam, each weight's update one TensorFlow op.

:class:`FusedAdam` is ``keras.optimizers.Adam`` (same arguments, variables, configuration and
formula) whose update of a float32 weight runs TensorFlow's ``ResourceApplyAdam`` kernel:
one op that updates the weight and both moments in place, where Keras 3's Adam issues about
fifteen element-wise ops and three variable writes per weight (Keras 3 has no fused path).
The kernel's formula is Keras's: ``m += (g - m)(1 - beta_1)``, ``v += (g^2 - v)(1 - beta_2)``,
``w -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)``, with two
differences of rounding: it forms ``1 - beta_2`` from float32 ``beta_2`` (0.00099998713 for
0.999, where Keras's Python arithmetic gives 0.001: the second moment is 1.3e-5 smaller
relative, an update up to 6.5e-6 larger relative), and it evaluates in another order (last
bits). docs/benchmarks.md measures the cost saved and the training that results. AMSGrad and
weights other than float32 take Keras's own update.

>>> import numpy as np, keras
>>> weight = keras.Variable(np.ones(3, "float32"))
>>> optimizer = FusedAdam(0.1)
>>> _ = optimizer.apply_gradients([(np.array([1.0, -2.0, 0.0], "float32"), weight)])
>>> [round(float(value), 4) for value in keras.ops.convert_to_numpy(weight)]
[0.9, 1.1, 1.0]
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="unetdiag")
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` with a fused per-weight update (same arguments)."""

    def _distributed_tf_update_step(self, distribution, grads_and_vars, learning_rate):
        # Keras's TensorFlow backend calls this once a step (in the cross-replica context
        # under tf.distribute) to update every weight; the step's coefficients are computed
        # here once instead of once per weight as Keras's update_step does.
        if self.amsgrad:
            return super()._distributed_tf_update_step(distribution, grads_and_vars,
                                                       learning_rate)
        beta_1 = tf.constant(self.beta_1, tf.float32)
        beta_2 = tf.constant(self.beta_2, tf.float32)
        step = tf.cast(self.iterations + 1, tf.float32)
        coefficients = {"beta1_power": tf.pow(beta_1, step), "beta2_power": tf.pow(beta_2, step),
                        "lr": tf.cast(learning_rate, tf.float32), "beta1": beta_1,
                        "beta2": beta_2, "epsilon": tf.constant(self.epsilon, tf.float32)}

        def update(variable, gradient):
            if variable.dtype != tf.float32:
                return self.update_step(gradient, variable, learning_rate)
            index = self._get_variable_index(variable)
            # the moments are Keras variables; ``variable`` is already the backend's
            return tf.raw_ops.ResourceApplyAdam(
                var=variable.handle, m=self._momentums[index].value.handle,
                v=self._velocities[index].value.handle, grad=tf.cast(gradient, tf.float32),
                use_locking=False, **coefficients)

        for gradient, variable in grads_and_vars:
            distribution.extended.update(variable, update, args=(gradient,), group=False)
        return None
