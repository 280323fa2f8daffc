//! The builtin functions, one entry each (docs/architecture.md, "Adding a builtin").
//!
//! An entry of the `builtins!` table declares everything the language knows of a builtin: its
//! names (the canonical one first, then aliases such as `σ`), with the LaTeX spelling of each; its
//! arity; and its definition. A builtin is either
//!
//! - **defined by a formula** in the derivation language over the parameters `x` (and `y`), in
//!   terms of other builtins. Everything else follows from the formula: the engines expand it
//!   (`model::formula_body`) as they inline a user function, so its value in every kind of
//!   number, its derivative in the prover and the conditions under which it is defined are those
//!   of the formula. Adding one is one entry here plus its tests; or
//! - **primitive**, with the [`Facts`] the engines may assume of it (domain, positivity, kink),
//!   declared here; its kernels in each kind of number (`numeric::value` for floats and exact
//!   rationals, `approx`, `interval`, `precise`) and its derivative and rewrites in the prover
//!   (`prove::lower`, `prove::normal`) are written where those engines are, and
//!   `numeric::builtin_kernels` and `tests/builtins.rs` iterate over [`Builtin::ALL`] to name a
//!   primitive that one of them forgot, or a fact that does not hold.
//!
//! This module is data only and uses no other part of the crate, so that every layer (the
//! printer in `syntax`, the resolver, the LaTeX renderer) reads the same table.

/// What a builtin is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Definition {
    /// Computed by kernels of its own in every engine, with what the engines may assume of it.
    Primitive(Facts),
    /// Defined by a formula over the parameters `x` (and `y` for two arguments), in the
    /// derivation language.
    Formula(&'static str),
}

/// One builtin's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The names, canonical first, each with its LaTeX spelling as a function (`\sigma`,
    /// `\operatorname{relu}`), which primes and `\left( … \right)` follow.
    pub names: &'static [(&'static str, &'static str)],
    /// How many arguments it takes: 0 for a constant (`pi`, written without parentheses), 1, 2 or
    /// 3 (`clamp`).
    pub arity: usize,
    /// The LaTeX of an application without primes that is not an operator name: the text before
    /// and after the argument (`\sqrt{` … `}`).
    pub enclose: Option<(&'static str, &'static str)>,
    /// The values of trailing parameters that may be left out, as decimal numbers, last
    /// parameter last: PyTorch's defaults (`elu(x)` is `elu(x, 1)`, `leaky_relu(x)` is
    /// `leaky_relu(x, 0.01)`). An application gives between `arity - defaults.len()` and `arity`
    /// arguments.
    pub defaults: &'static [&'static str],
    /// A primitive, or a formula in terms of others.
    pub definition: Definition,
}

/// What the prover and the sampler may assume of a primitive. `numeric::builtin_kernels` checks
/// each fact against the float kernel, so a wrong fact fails a test before it can make a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Where it is defined (its derivatives: in the interior).
    pub domain: Domain,
    /// Its derivatives of order 0 to this one are positive wherever they are defined (`exp`: all).
    pub positive_up_to: Option<u32>,
    /// It has a kink: not differentiable at 0 (one argument) or where its arguments are equal (two).
    pub kink: bool,
    /// Transcendental: an exact evaluation gives up on it, except at a few special points.
    pub transcendental: bool,
    /// Its derivative as a formula over `x`, in terms of other builtins (`erf`: `2/sqrt(pi) ·
    /// exp(-x²)`), or `None` where the engines have kernels and rules for its derivatives. With a
    /// formula, a derivative of the builtin is expanded like a builtin defined by a formula, in
    /// every engine: the kernels are for the value only, and the prover's derivative is the
    /// formula's.
    pub derivative: Option<&'static str>,
}

/// Where a primitive is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// For every real argument.
    Everywhere,
    /// For arguments > 0 (`log`).
    Positive,
    /// For arguments ≥ 0 (`sqrt`).
    NonNegative,
}

/// A smooth transcendental function defined everywhere, of which nothing else is known.
const SMOOTH: Facts =
    Facts { domain: Domain::Everywhere, positive_up_to: None, kink: false, transcendental: true, derivative: None };
/// A piecewise linear function (or step) with a kink at 0, or where its two arguments are equal.
const KINK: Facts =
    Facts { domain: Domain::Everywhere, positive_up_to: None, kink: true, transcendental: false, derivative: None };

macro_rules! builtins {
    ($($(#[$doc:meta])* $variant:ident => $spec:expr,)*) => {
        /// The builtin functions.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Builtin {
            $($(#[$doc])* $variant,)*
        }

        impl Builtin {
            /// Every builtin, in the order of the table.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant,)*];

            /// Its entry in the table.
            pub fn spec(self) -> &'static Spec {
                match self {
                    $(Builtin::$variant => {
                        const SPEC: Spec = $spec;
                        &SPEC
                    })*
                }
            }
        }
    };
}

builtins! {
    /// `exp`
    Exp => Spec { names: &[("exp", "\\exp")], arity: 1, enclose: None, defaults: &[], definition: Definition::Primitive(Facts { positive_up_to: Some(u32::MAX), ..SMOOTH }) },
    /// `log`, `ln`
    Log => Spec {
        names: &[("log", "\\log"), ("ln", "\\ln")],
        arity: 1,
        enclose: None, defaults: &[],
        definition: Definition::Primitive(Facts { domain: Domain::Positive, ..SMOOTH }),
    },
    /// `sqrt`
    Sqrt => Spec {
        names: &[("sqrt", "\\operatorname{sqrt}")],
        arity: 1,
        enclose: Some(("\\sqrt{", "}")), defaults: &[],
        definition: Definition::Primitive(Facts { domain: Domain::NonNegative, transcendental: false, ..SMOOTH }),
    },
    /// `abs`
    Abs => Spec {
        names: &[("abs", "\\operatorname{abs}")],
        arity: 1,
        enclose: Some(("\\left|", "\\right|")), defaults: &[],
        definition: Definition::Primitive(KINK),
    },
    /// `sign`
    Sign => Spec { names: &[("sign", "\\operatorname{sign}")], arity: 1, enclose: None, defaults: &[], definition: Definition::Primitive(KINK) },
    /// `sigmoid`, `σ`
    Sigmoid => Spec {
        names: &[("sigmoid", "\\sigma"), ("σ", "\\sigma")],
        arity: 1,
        enclose: None, defaults: &[],
        definition: Definition::Primitive(Facts { positive_up_to: Some(1), ..SMOOTH }),
    },
    /// `tanh`
    Tanh => Spec { names: &[("tanh", "\\tanh")], arity: 1, enclose: None, defaults: &[], definition: Definition::Primitive(SMOOTH) },
    /// `relu`
    Relu => Spec { names: &[("relu", "\\operatorname{relu}")], arity: 1, enclose: None, defaults: &[], definition: Definition::Primitive(KINK) },
    /// `softplus`
    Softplus => Spec {
        names: &[("softplus", "\\operatorname{softplus}")],
        arity: 1,
        enclose: None, defaults: &[],
        definition: Definition::Primitive(Facts { positive_up_to: Some(2), ..SMOOTH }),
    },
    /// `sin`
    Sin => Spec { names: &[("sin", "\\sin")], arity: 1, enclose: None, defaults: &[], definition: Definition::Primitive(SMOOTH) },
    /// `cos`
    Cos => Spec { names: &[("cos", "\\cos")], arity: 1, enclose: None, defaults: &[], definition: Definition::Primitive(SMOOTH) },
    /// `step`
    Step => Spec { names: &[("step", "\\operatorname{step}")], arity: 1, enclose: None, defaults: &[], definition: Definition::Primitive(KINK) },
    /// `gelu`: the tanh approximation of x·Φ(x), as PyTorch's `approximate="tanh"` (docs/language.md).
    Gelu => Spec {
        names: &[("gelu", "\\operatorname{gelu}")],
        arity: 1,
        enclose: None, defaults: &[],
        definition: Definition::Formula("x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))"),
    },
    /// `gelu_exact`: x·Φ(x) with the normal distribution's CDF Φ, PyTorch's default `gelu`
    /// (docs/language.md).
    GeluExact => Spec {
        names: &[("gelu_exact", "\\operatorname{gelu\\_exact}")],
        arity: 1,
        enclose: None, defaults: &[],
        definition: Definition::Formula("x / 2 * (1 + erf(x / sqrt(2)))"),
    },
    /// `pi`, `π`: the constant, written without arguments.
    Pi => Spec {
        names: &[("pi", "\\pi"), ("π", "\\pi")],
        arity: 0,
        enclose: None, defaults: &[],
        definition: Definition::Primitive(Facts { positive_up_to: Some(0), ..SMOOTH }),
    },
    /// `erf`, the error function 2/√π ∫₀ˣ exp(-t²) dt.
    Erf => Spec {
        names: &[("erf", "\\operatorname{erf}")],
        arity: 1,
        enclose: None, defaults: &[],
        definition: Definition::Primitive(Facts { derivative: Some("2 / sqrt(pi) * exp(-(x^2))"), ..SMOOTH }),
    },
    /// `atan`, `arctan`
    Atan => Spec {
        names: &[("atan", "\\arctan"), ("arctan", "\\arctan")],
        arity: 1,
        enclose: None, defaults: &[],
        definition: Definition::Primitive(Facts { derivative: Some("1 / (1 + x^2)"), ..SMOOTH }),
    },
    /// `atan2(y, x)`: the angle of the point (x, y), by the half-angle formula, which is atan2
    /// off its branch cut (y = 0, x ≤ 0), where the formula is undefined (docs/language.md).
    Atan2 => Spec {
        names: &[("atan2", "\\operatorname{atan2}")],
        arity: 2,
        enclose: None, defaults: &[],
        definition: Definition::Formula("2 * atan(x / (sqrt(x^2 + y^2) + y))"),
    },
    /// `sinh`
    Sinh => Spec { names: &[("sinh", "\\sinh")], arity: 1, enclose: None, defaults: &[], definition: Definition::Formula("(exp(x) - exp(-x)) / 2") },
    /// `cosh`
    Cosh => Spec { names: &[("cosh", "\\cosh")], arity: 1, enclose: None, defaults: &[], definition: Definition::Formula("(exp(x) + exp(-x)) / 2") },
    /// `tan`: sin(x)/cos(x), undefined where cos(x) = 0.
    Tan => Spec { names: &[("tan", "\\tan")], arity: 1, enclose: None, defaults: &[], definition: Definition::Formula("sin(x) / cos(x)") },
    /// `log1p`: log(1 + x), defined for x > -1.
    Log1p => Spec {
        names: &[("log1p", "\\operatorname{log1p}")],
        arity: 1,
        enclose: None, defaults: &[],
        definition: Definition::Formula("log(1 + x)"),
    },
    /// `expm1`: exp(x) - 1.
    Expm1 => Spec {
        names: &[("expm1", "\\operatorname{expm1}")],
        arity: 1,
        enclose: None, defaults: &[],
        definition: Definition::Formula("exp(x) - 1"),
    },
    /// `max(a, b)`
    Max => Spec { names: &[("max", "\\max")], arity: 2, enclose: None, defaults: &[], definition: Definition::Primitive(KINK) },
    /// `min(a, b)`
    Min => Spec { names: &[("min", "\\min")], arity: 2, enclose: None, defaults: &[], definition: Definition::Primitive(KINK) },
    // Piecewise functions, each a formula over `relu`, `abs`, `max` and `min`, so that their
    // kinks, the derivatives away from them and the places where samples must fall are those of
    // the kinks the formula is made of (docs/language.md, "Piecewise functions").
    /// `leaky_relu(x, a)`: x for x ≥ 0, a·x below (PyTorch's `negative_slope`, 0.01 by default).
    LeakyRelu => Spec {
        names: &[("leaky_relu", "\\operatorname{leaky\\_relu}")],
        arity: 2,
        enclose: None,
        defaults: &["0.01"],
        definition: Definition::Formula("relu(x) - y * relu(-x)"),
    },
    /// `elu(x, a)`: x for x > 0, a·(exp(x) - 1) below (`alpha`, 1 by default).
    Elu => Spec {
        names: &[("elu", "\\operatorname{elu}")],
        arity: 2,
        enclose: None,
        defaults: &["1"],
        definition: Definition::Formula("relu(x) + y * (exp(-relu(-x)) - 1)"),
    },
    /// `celu(x, a)`: max(0, x) + min(0, a·(exp(x/a) - 1)) (`alpha`, 1 by default; undefined at
    /// a = 0).
    Celu => Spec {
        names: &[("celu", "\\operatorname{celu}")],
        arity: 2,
        enclose: None,
        defaults: &["1"],
        definition: Definition::Formula("relu(x) + y * (exp(-relu(-x) / y) - 1)"),
    },
    /// `selu(x)`: λ·elu(x, α) with PyTorch's λ and α (to 32 digits).
    Selu => Spec {
        names: &[("selu", "\\operatorname{selu}")],
        arity: 1,
        enclose: None,
        defaults: &[],
        definition: Definition::Formula(
            "1.0507009873554804934193349852946 * (relu(x) + 1.6732632423543772848170429916717 * (exp(-relu(-x)) - 1))",
        ),
    },
    /// `relu6(x)`: min(max(x, 0), 6).
    Relu6 => Spec {
        names: &[("relu6", "\\operatorname{relu6}")],
        arity: 1,
        enclose: None,
        defaults: &[],
        definition: Definition::Formula("relu(x) - relu(x - 6)"),
    },
    /// `hardtanh(x)`: min(max(x, -1), 1).
    Hardtanh => Spec {
        names: &[("hardtanh", "\\operatorname{hardtanh}")],
        arity: 1,
        enclose: None,
        defaults: &[],
        definition: Definition::Formula("x - relu(x - 1) + relu(-1 - x)"),
    },
    /// `hardsigmoid(x)`: relu6(x + 3) / 6.
    Hardsigmoid => Spec {
        names: &[("hardsigmoid", "\\operatorname{hardsigmoid}")],
        arity: 1,
        enclose: None,
        defaults: &[],
        definition: Definition::Formula("(relu(x + 3) - relu(x - 3)) / 6"),
    },
    /// `hardswish(x)`: x · relu6(x + 3) / 6.
    Hardswish => Spec {
        names: &[("hardswish", "\\operatorname{hardswish}")],
        arity: 1,
        enclose: None,
        defaults: &[],
        definition: Definition::Formula("x * (relu(x + 3) - relu(x - 3)) / 6"),
    },
    /// `clamp(x, lo, hi)`: min(max(x, lo), hi), as `torch.clamp` (hi where lo > hi).
    Clamp => Spec {
        names: &[("clamp", "\\operatorname{clamp}")],
        arity: 3,
        enclose: None,
        defaults: &[],
        definition: Definition::Formula("min(max(x, y), z)"),
    },
    /// `huber(x, d)`: the Huber loss of a residual x, x²/2 for |x| ≤ d and d·(|x| - d/2) beyond
    /// (PyTorch's `HuberLoss` with `delta`, 1 by default).
    Huber => Spec {
        names: &[("huber", "\\operatorname{huber}")],
        arity: 2,
        enclose: None,
        defaults: &["1"],
        definition: Definition::Formula("x^2 / 2 - relu(abs(x) - y)^2 / 2"),
    },
    /// `smooth_l1(x, b)`: huber(x, b) / b, PyTorch's `SmoothL1Loss` with `beta` (1 by default;
    /// undefined at b = 0).
    SmoothL1 => Spec {
        names: &[("smooth_l1", "\\operatorname{smooth\\_l1}")],
        arity: 2,
        enclose: None,
        defaults: &["1"],
        definition: Definition::Formula("(x^2 / 2 - relu(abs(x) - y)^2 / 2) / y"),
    },
}

impl Builtin {
    /// The builtin a name denotes, if any (`ln` and `σ` are aliases).
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.spec().names.iter().any(|(n, _)| *n == name))
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        self.spec().names[0].0
    }

    /// How many arguments it takes at most.
    pub fn arity(self) -> usize {
        self.spec().arity
    }

    /// How many arguments it takes at least: its arity less the parameters with defaults.
    pub fn min_arity(self) -> usize {
        self.spec().arity - self.spec().defaults.len()
    }

    /// Its formula, if it is defined by one.
    pub fn formula(self) -> Option<&'static str> {
        match self.spec().definition {
            Definition::Formula(text) => Some(text),
            Definition::Primitive(_) => None,
        }
    }

    /// What may be assumed of it, if it is primitive (of a formula, only what its formula says).
    pub fn facts(self) -> Option<&'static Facts> {
        match &self.spec().definition {
            Definition::Primitive(facts) => Some(facts),
            Definition::Formula(_) => None,
        }
    }

    /// The formula of its derivative, if it is a primitive with one (`erf`, `atan`).
    pub fn derivative_formula(self) -> Option<&'static str> {
        self.facts().and_then(|f| f.derivative)
    }

    /// Whether its `order`-th derivative is known to be positive wherever it is defined.
    pub fn positive(self, order: u32) -> bool {
        self.facts().and_then(|f| f.positive_up_to).is_some_and(|n| order <= n)
    }

    /// Every name of every builtin, aliases after their canonical name, in the order of the table.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Builtin::ALL.iter().flat_map(|b| b.spec().names.iter().map(|(n, _)| *n))
    }
}

/// The array functions of §7 (`dot`, `outer`, `tr`, …). Their shapes and meaning are
/// `model::shape`'s; they are named here, beside the builtins, so that every layer reads one list
/// (`render --to latex` writes them `\operatorname{…}`, and the LaTeX reader reads them so).
pub const ARRAY_FUNCTIONS: [&str; 8] = ["dot", "outer", "norm", "tr", "det", "inv", "diag", "softmax"];

/// The word a LaTeX spelling of the table writes a builtin's name with: `\exp` → `exp`,
/// `\operatorname{relu}` → `relu`, `\operatorname{gelu\_exact}` → `gelu_exact`.
pub fn latex_word(latex: &str) -> String {
    match latex.strip_prefix("\\operatorname{").and_then(|w| w.strip_suffix('}')) {
        Some(word) => word.replace("\\_", "_"),
        None => latex.trim_start_matches('\\').to_string(),
    }
}

/// The LaTeX spelling of a builtin's name as a function (`ln` → `\ln`, `σ` → `\sigma`), if
/// `name` is one.
pub fn latex_name(name: &str) -> Option<&'static str> {
    Builtin::ALL.iter().find_map(|b| b.spec().names.iter().find(|(n, _)| *n == name).map(|(_, l)| *l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_denotes_its_builtin_once() {
        let names: Vec<&str> = Builtin::names().collect();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[..i].contains(name), "`{name}` is declared twice");
        }
        for &b in Builtin::ALL {
            assert!(b.arity() <= 3, "{b:?}");
            // Only parameters after the first may be left out, and only of a formula.
            assert!(b.spec().defaults.len() < b.arity().max(1), "{b:?}");
            assert!(b.spec().defaults.is_empty() || b.formula().is_some(), "{b:?}");
            // A constant is a primitive without a derivative formula.
            assert!(b.arity() > 0 || b.facts().is_some_and(|f| f.derivative.is_none()), "{b:?}");
            for (name, latex) in b.spec().names {
                assert_eq!(Builtin::from_name(name), Some(b));
                assert!(latex.starts_with('\\'), "{name}: {latex}");
            }
            // Primes and the enclosing notation are for one argument only.
            assert!(b.spec().enclose.is_none() || b.arity() == 1, "{b:?}");
        }
    }
}
