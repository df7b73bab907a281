#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewal_fuzz::decoder(data));
