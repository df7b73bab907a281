//! The engine's clock in the browser: `std::time::Instant` panics on
//! `wasm32-unknown-unknown`, so the module installs `performance.now()` as
//! the clock `rewal_platform::now` reads (what `SyncMode::Interval` and the
//! shutdown timeout measure with) as soon as it is instantiated.

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::time::Duration;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = performance, js_name = now)]
        fn performance_now() -> f64;
    }

    fn now() -> Duration {
        Duration::from_secs_f64(performance_now().max(0.0) / 1000.0)
    }

    /// Runs when the module is instantiated.
    #[wasm_bindgen(start)]
    fn start() {
        rewal_platform::install_clock(now);
    }
}
