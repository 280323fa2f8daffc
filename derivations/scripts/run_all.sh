#!/bin/sh
cd "$(dirname "$0")" || exit 2
for s in dropout_forward_matrix sgd_step_vector adagrad_vector attention_context conv2d_pool \
         cnn_forward_backward lstm_forward matrix_cookbook shape_errors; do
  echo "### $s.py"; python3 "$s.py" || exit 1
done
echo "### labels_exp_log.py (SymPy)"; python3 labels_exp_log.py >/dev/null || exit 1
echo "### deep_backprop_truth.py (SymPy)"; python3 deep_backprop_truth.py >/dev/null || exit 1
echo "### gaussian_covariance.py (SymPy)"; python3 gaussian_covariance.py >/dev/null || exit 1
echo "### prove_rules_truth.py (SymPy)"; python3 prove_rules_truth.py >/dev/null || exit 1
echo "### ext_truth.py (SymPy, about ten minutes)"; python3 ext_truth.py || exit 1
python3 derivcheck.py ../dropout_forward_matrix.deriv ../sgd_step_vector.deriv ../adagrad_vector.deriv ../attention_context.deriv ../conv2d_pool.deriv ../cnn_forward_backward.deriv ../lstm_forward.deriv ../linear_layer_matrix.deriv ../softmax_ce_matrix.deriv ../mlp_backward_matrix.deriv ../matrix_cookbook.deriv ../shape_errors.deriv
