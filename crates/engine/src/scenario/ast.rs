//! The scenario syntax tree.
//!
//! [`crate::scenario::parse`] produces a [`Scenario`] whose names are already resolved by
//! the checker (`check.rs`): every [`NameRef`] carries a [`Res`] and every [`Call`] a
//! [`Callee`], so the interpreter never looks a name up by string. Every node carries a
//! [`Span`]; comments are kept, both in [`Scenario::comments`] (all of them, in source
//! order) and attached to the statement or item they belong to ([`Attached`]).

use serde::{Deserialize, Serialize};

use crate::gfp::Gfp;
use crate::scenario::builtins::Builtin;
use crate::scenario::header::Header;

/// A region of the source text.
///
/// `offset`/`len` are in bytes (slice the source with them); `line`/`col` are 1-based,
/// `col` counts characters (not bytes) from the start of the line.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Span {
    pub offset: u32,
    pub len: u32,
    pub line: u32,
    pub col: u32,
}

impl Span {
    /// Byte offset one past the end.
    #[must_use]
    pub const fn end(self) -> u32 {
        self.offset + self.len
    }

    /// The span from the start of `self` to the end of `other` (line/col of `self`).
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        let end = other.end().max(self.end());
        Span {
            offset: self.offset,
            len: end.saturating_sub(self.offset),
            line: self.line,
            col: self.col,
        }
    }

    /// The text this span covers (empty if out of range).
    #[must_use]
    pub fn text(self, src: &str) -> &str {
        src.get(self.offset as usize..self.end() as usize)
            .unwrap_or("")
    }
}

/// A value with the span it was written at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// An identifier as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A source comment, delimiters stripped (`/* x */` → `x`, `// x` → `x`), trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub span: Span,
    pub text: String,
    /// `/* ... */` (true) or `// ...` (false).
    pub block: bool,
}

/// Comments that belong to a statement or item: those on the lines directly above it
/// (`leading`) and one starting on the line where it ends (`trailing`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attached {
    pub leading: Vec<Comment>,
    pub trailing: Option<Comment>,
}

/// A whole scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub file_name: String,
    /// The full source text (spans index into it).
    pub source: String,
    /// Settings from the leading comment (defaults where absent).
    pub header: Header,
    /// Global variables (`struct kmem_cache *c = kmem_cache_create(...);`, `int n = 3;`).
    pub globals: Vec<Global>,
    /// `DEFINE_MUTEX(name)`, `DEFINE_SPINLOCK(name)`, `DECLARE_RWSEM(name)`.
    pub locks: Vec<LockDecl>,
    /// `DEFINE_DEVICE(name)`.
    pub devices: Vec<DeviceDecl>,
    /// Ordinary C functions, in source order. [`Callee::Function`] indexes this.
    pub functions: Vec<Function>,
    /// Task declarations (`SYSCALL(name) { ... }`, ...), in source order.
    pub tasks: Vec<TaskDecl>,
    /// Every comment in the file, in source order (the header comment included).
    pub comments: Vec<Comment>,
}

impl Scenario {
    /// Index and definition of the function called `name`.
    #[must_use]
    pub fn function(&self, name: &str) -> Option<(usize, &Function)> {
        self.functions
            .iter()
            .enumerate()
            .find(|(_, f)| f.name.name == name)
    }

    /// Index and declaration of the task called `name`.
    #[must_use]
    pub fn task(&self, name: &str) -> Option<(usize, &TaskDecl)> {
        self.tasks
            .iter()
            .enumerate()
            .find(|(_, t)| t.name.name == name)
    }
}

/// A type as written: base type plus pointer depth. `const`/`static`/`volatile` are dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Type {
    pub base: BaseType,
    /// Number of `*`.
    pub pointer: u8,
    pub span: Span,
}

/// Base types the language knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BaseType {
    Void,
    Bool,
    Char,
    Int,
    UnsignedInt,
    Long,
    UnsignedLong,
    LongLong,
    UnsignedLongLong,
    SizeT,
    /// `gfp_t`: values print as masks.
    GfpT,
    /// `slab_flags_t`.
    SlabFlagsT,
    U8,
    U16,
    U32,
    U64,
    S32,
    S64,
    /// `struct NAME` (opaque; only pointers to it are useful).
    Struct(String),
}

impl Type {
    /// The type as C spells it, e.g. `struct page *`, `unsigned int`, `gfp_t`.
    #[must_use]
    pub fn display(&self) -> String {
        let base = match &self.base {
            BaseType::Void => "void",
            BaseType::Bool => "bool",
            BaseType::Char => "char",
            BaseType::Int => "int",
            BaseType::UnsignedInt => "unsigned int",
            BaseType::Long => "long",
            BaseType::UnsignedLong => "unsigned long",
            BaseType::LongLong => "long long",
            BaseType::UnsignedLongLong => "unsigned long long",
            BaseType::SizeT => "size_t",
            BaseType::GfpT => "gfp_t",
            BaseType::SlabFlagsT => "slab_flags_t",
            BaseType::U8 => "u8",
            BaseType::U16 => "u16",
            BaseType::U32 => "u32",
            BaseType::U64 => "u64",
            BaseType::S32 => "s32",
            BaseType::S64 => "s64",
            BaseType::Struct(name) => return self.with_stars(&format!("struct {name}")),
        };
        self.with_stars(base)
    }

    fn with_stars(&self, base: &str) -> String {
        if self.pointer == 0 {
            base.to_string()
        } else {
            format!("{base} {}", "*".repeat(self.pointer as usize))
        }
    }

    /// `gfp_t` (not a pointer to it).
    #[must_use]
    pub fn is_gfp(&self) -> bool {
        self.pointer == 0 && self.base == BaseType::GfpT
    }

    #[must_use]
    pub fn is_pointer(&self) -> bool {
        self.pointer > 0
    }

    /// `void` (not `void *`).
    #[must_use]
    pub fn is_void(&self) -> bool {
        self.pointer == 0 && self.base == BaseType::Void
    }
}

/// A global variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Global {
    pub ty: Type,
    pub name: Ident,
    pub init: Option<Expr>,
    pub span: Span,
    pub comments: Attached,
}

/// Lock flavours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockKind {
    /// `DEFINE_SPINLOCK(name)`: holding it is atomic context.
    Spinlock,
    /// `DEFINE_MUTEX(name)`: sleeping lock.
    Mutex,
    /// `DECLARE_RWSEM(name)`: sleeping reader/writer lock.
    RwSem,
}

/// A lock declaration, e.g. `DEFINE_MUTEX(xfs_ilock) __taken_by_fs_reclaim;`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LockDecl {
    pub kind: LockKind,
    pub name: Ident,
    /// `__taken_by_fs_reclaim`: filesystem reclaim (a superblock shrinker, inode
    /// eviction) takes this lock, so holding it across an allocation that may enter
    /// FS reclaim (`__GFP_FS` after the scope is applied) is lockdep's fs_reclaim recursion.
    pub taken_by_fs_reclaim: bool,
    /// `__taken_by_reclaim`: any direct reclaim takes it (e.g. a non-FS shrinker's lock),
    /// so holding it across an allocation with `__GFP_DIRECT_RECLAIM` is the hazard.
    pub taken_by_reclaim: bool,
    pub attrs: Vec<Attr>,
    pub span: Span,
    pub comments: Attached,
}

/// A device, e.g. `DEFINE_DEVICE(usb_disk) __runtime_suspended __memalloc_noio __backing_store;`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceDecl {
    pub name: Ident,
    /// `__runtime_suspended`: the device starts runtime-suspended; I/O to it must wait
    /// for `rpm_resume()` to finish.
    pub runtime_suspended: bool,
    /// `__memalloc_noio`: `pm_runtime_set_memalloc_noio(dev, true)` has been called, so
    /// `rpm_callback()` runs its resume callback inside `memalloc_noio_save()`.
    pub memalloc_noio: bool,
    /// `__backing_store`: reclaim's I/O (swap-out, dirty page writeback) goes to this
    /// device, so an allocation that may do I/O while it is suspended would wait on itself.
    pub backing_store: bool,
    /// `__parent(dev)`: resumed first by `rpm_resume()`. Index into [`Scenario::devices`].
    pub parent: Option<(Ident, usize)>,
    /// `__resume(fn)`: the runtime-resume callback, index into [`Scenario::functions`].
    /// Called with no arguments.
    pub resume: Option<(Ident, usize)>,
    pub attrs: Vec<Attr>,
    pub span: Span,
    pub comments: Attached,
}

/// A `__name` or `__name(args)` annotation after a declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attr {
    pub name: Ident,
    /// `None` for a bare `__name`; `Some(vec![])` for `__name()`.
    pub args: Option<Vec<Expr>>,
    pub span: Span,
}

/// Execution context a task's entry runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// `SYSCALL(name)`: a user process inside a system call (process context).
    Syscall,
    /// `IRQ_HANDLER(name)`: a hardirq handler (hardirq context, irqs disabled).
    IrqHandler,
    /// `SOFTIRQ(name)`: a softirq handler (softirq context).
    Softirq,
    /// `NAPI_POLL(name)`: a NAPI poll callback, run from `net_rx_action` (softirq context).
    NapiPoll,
    /// `WORKQUEUE(name)`: a work item run by a kworker (process context, PF_WQ_WORKER).
    Workqueue,
    /// `KTHREAD(name)`: a kernel thread (process context, PF_KTHREAD).
    Kthread,
}

impl TaskKind {
    /// The declaration keyword.
    #[must_use]
    pub const fn keyword(self) -> &'static str {
        match self {
            TaskKind::Syscall => "SYSCALL",
            TaskKind::IrqHandler => "IRQ_HANDLER",
            TaskKind::Softirq => "SOFTIRQ",
            TaskKind::NapiPoll => "NAPI_POLL",
            TaskKind::Workqueue => "WORKQUEUE",
            TaskKind::Kthread => "KTHREAD",
        }
    }

    /// The context name used in [`crate::view::TaskView::context`].
    #[must_use]
    pub const fn context(self) -> &'static str {
        match self {
            TaskKind::Syscall => "process",
            TaskKind::IrqHandler => "hardirq",
            TaskKind::Softirq | TaskKind::NapiPoll => "softirq",
            TaskKind::Workqueue => "workqueue",
            TaskKind::Kthread => "kthread",
        }
    }

    /// Parses a declaration keyword.
    #[must_use]
    pub fn from_keyword(s: &str) -> Option<TaskKind> {
        Some(match s {
            "SYSCALL" => TaskKind::Syscall,
            "IRQ_HANDLER" => TaskKind::IrqHandler,
            "SOFTIRQ" => TaskKind::Softirq,
            "NAPI_POLL" => TaskKind::NapiPoll,
            "WORKQUEUE" => TaskKind::Workqueue,
            "KTHREAD" => TaskKind::Kthread,
            _ => return None,
        })
    }
}

/// A task: `KIND(name) attrs { body }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskDecl {
    pub kind: TaskKind,
    pub name: Ident,
    /// `__flags(PF_A | PF_B)`: extra `task_struct->flags` bits set from the start
    /// (resolved values, OR-ed). The context's implied bits (PF_KTHREAD, PF_WQ_WORKER)
    /// are *not* included; the interpreter adds them.
    pub flags: u32,
    /// The flag names as written in `__flags(...)`.
    pub flag_names: Vec<Ident>,
    /// `__pid(N)`.
    pub pid: Option<u32>,
    /// `__comm("name")`; defaults to the task name (interpreter's choice).
    pub comm: Option<String>,
    /// `__cpu(N)`.
    pub cpu: Option<u32>,
    /// `__start(N)`: not runnable before scheduler step N.
    pub start: Option<u64>,
    /// `__idle`: not runnable until triggered by `queue_work(name)`, `wake_up_process(name)`,
    /// `napi_schedule(name)`, `raise_softirq(name)` or `generic_handle_irq(name)`.
    pub idle: bool,
    pub attrs: Vec<Attr>,
    /// The entry function: named after the task, no parameters, returns `int`.
    pub entry: Function,
    pub span: Span,
    pub comments: Attached,
}

/// A C function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub name: Ident,
    pub ret: Type,
    pub params: Vec<Param>,
    pub body: Block,
    /// Every variable slot of the function: parameters first (slots `0..params.len()`),
    /// then each local declaration in source order. [`Res::Local`] indexes this.
    pub slots: Vec<Slot>,
    /// `static`, `inline`, `noinline`, `__always_inline`, ... as written (ignored).
    pub qualifiers: Vec<Ident>,
    pub span: Span,
    pub comments: Attached,
}

/// A parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub ty: Type,
    pub name: Ident,
}

/// One variable slot of a function frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    pub name: String,
    pub ty: Type,
    pub is_param: bool,
    /// Where it is declared.
    pub span: Span,
}

/// `{ ... }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
    /// Comments after the last statement, before the closing brace.
    pub trailing_comments: Vec<Comment>,
}

/// A statement. `id` is unique within the scenario (assigned in source order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stmt {
    pub id: u32,
    pub kind: StmtKind,
    pub span: Span,
    pub comments: Attached,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StmtKind {
    /// `TYPE a = x, b;` (each declarator may add `*`).
    Decl(Vec<Declarator>),
    /// An expression statement (a call, an assignment, `i++`).
    Expr(Expr),
    If {
        cond: Expr,
        then: Box<Stmt>,
        els: Option<Box<Stmt>>,
    },
    While {
        cond: Expr,
        body: Box<Stmt>,
    },
    DoWhile {
        body: Box<Stmt>,
        cond: Expr,
    },
    For {
        init: Option<Box<Stmt>>,
        cond: Option<Expr>,
        step: Option<Expr>,
        body: Box<Stmt>,
    },
    Return(Option<Expr>),
    Break,
    Continue,
    Block(Block),
    /// `;`
    Empty,
}

/// One variable of a declaration statement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Declarator {
    pub ty: Type,
    pub name: Ident,
    pub init: Option<Expr>,
    /// Index into [`Function::slots`].
    pub slot: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    /// Integer literal (suffixes `u`, `l`, `ul`, ... accepted and dropped).
    Int(i64),
    /// String literal (escapes processed).
    Str(String),
    /// `NULL`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A name: variable, constant, GFP flag, lock, device, task.
    Name(NameRef),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `target op= value`; `target` is a [`ExprKind::Name`] resolving to a variable.
    Assign {
        op: AssignOp,
        target: Box<Expr>,
        value: Box<Expr>,
    },
    /// `++x`, `x++`, `--x`, `x--`.
    IncDec {
        op: IncDecOp,
        target: Box<Expr>,
    },
    Call(Call),
    /// `cond ? a : b`.
    Ternary {
        cond: Box<Expr>,
        then: Box<Expr>,
        els: Box<Expr>,
    },
    /// `(TYPE)expr`.
    Cast {
        ty: Type,
        expr: Box<Expr>,
    },
    /// `sizeof(TYPE)` or `sizeof(expr)`: the interpreter picks a size (see docs).
    Sizeof(Box<SizeofArg>),
}

/// The operand of `sizeof`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SizeofArg {
    Type(Type),
    Expr(Expr),
}

/// A use of a name, with what the checker resolved it to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NameRef {
    pub ident: Ident,
    pub res: Res,
}

/// What a name refers to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Res {
    /// Not resolved (only seen before checking, or in a scenario that failed to check).
    Unresolved,
    /// A parameter or local: index into the enclosing [`Function::slots`].
    Local(u32),
    /// Index into [`Scenario::globals`].
    Global(usize),
    /// Index into [`Scenario::locks`] (used as `&name`).
    Lock(usize),
    /// Index into [`Scenario::devices`] (used as `&name`).
    Device(usize),
    /// Index into [`Scenario::tasks`] (for `queue_work(name)` etc.).
    Task(usize),
    /// A GFP flag or composite (`GFP_KERNEL`, `__GFP_NOFAIL`), Linux 6.12 layout.
    Gfp(Gfp),
    /// An errno name (`ENOMEM` = 12); use as `-ENOMEM`.
    Errno(i64),
    /// A `PF_*` task flag value.
    TaskFlag(u32),
    /// A `SLAB_*` cache flag value.
    SlabFlag(u32),
    /// Another integer constant (`PAGE_SIZE`, `HPAGE_PMD_ORDER`, ...).
    Const(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Plus,
    /// `!x`
    Not,
    /// `~x`
    BitNot,
    /// `&x` (only on locks, devices and variables)
    AddrOf,
    /// `*x`
    Deref,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinaryOp {
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    BitAnd,
    BitXor,
    BitOr,
    LogAnd,
    LogOr,
}

impl BinaryOp {
    /// The C operator.
    #[must_use]
    pub const fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitXor => "^",
            BinaryOp::BitOr => "|",
            BinaryOp::LogAnd => "&&",
            BinaryOp::LogOr => "||",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssignOp {
    /// `=`
    Set,
    /// `op=` with the given operator (`|=`, `&=`, `+=`, ...).
    Compound(BinaryOp),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IncDecOp {
    PreInc,
    PreDec,
    PostInc,
    PostDec,
}

/// A call `name(args)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub name: Ident,
    pub args: Vec<Expr>,
    pub callee: Callee,
}

/// What a call calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Callee {
    Unresolved,
    /// Index into [`Scenario::functions`].
    Function(usize),
    /// A modelled kernel function.
    Builtin(Builtin),
}
