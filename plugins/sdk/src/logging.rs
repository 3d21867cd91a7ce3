//! `format!`-style shorthands for the `log` capability.

/// Logs a formatted message at `level`: `sluice_sdk::log_at!(Info, "copied {n} files")`.
#[macro_export]
macro_rules! log_at {
    ($level:ident, $($arg:tt)+) => {
        $crate::log::write($crate::log::Level::$level, &::std::format!($($arg)+))
    };
}

/// Logs a formatted message at `error` level.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => { $crate::log_at!(Error, $($arg)+) };
}

/// Logs a formatted message at `warn` level.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => { $crate::log_at!(Warn, $($arg)+) };
}

/// Logs a formatted message at `info` level.
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => { $crate::log_at!(Info, $($arg)+) };
}

/// Logs a formatted message at `debug` level.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => { $crate::log_at!(Debug, $($arg)+) };
}

/// Logs a formatted message at `trace` level.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => { $crate::log_at!(Trace, $($arg)+) };
}
