"""What the lesson covers: the course's cases by section (the built-in suite's, looked
up by name), the methods it compares, and the sizes of its studies."""

METHODS = ("sympy", "fd-forward", "fd-central", "complex-step", "torch", "torch-forward")
CASES = {  # section -> the cases it shows
    "derivatives": ("constant", "power", "power_negative", "exponential", "logarithm", "sine"),
    "chain": ("sum_rule", "product_rule", "quotient_rule", "chain_rule_scalar", "sin_exp"),
    "gradients": ("grad_sum", "grad_squared_norm", "grad_quadratic_form", "squared_residual"),
    "jacobians": ("jac_matrix_vector", "jac_vector_matrix", "jac_scaled"),
    "backward": ("x_times_x",),
    "detach": ("detached",),
    "control": ("while_doubling",),
    "kinks": ("abs_at_kink", "relu_at_kink"),
    "pitfall": ("math_exp_inside", "numpy_exp_inside"),
    "limit": ("course_plot",),
}
COURSE_STEPS = 5  # the course's numerical_lim: h = 0.1, then ×0.1 four more times
STEPS = tuple(10.0**-k for k in range(1, 17))  # continued to 1e-16
SIZES = (10, 100, 1000)  # why reverse mode wins: n
SECOND_SIZES = (4, 16, 64)  # the Hessian against the gradient: n
TIMEOUT_S = 10.0
