//! A tiny MaxMind DB (format 2.0) writer for tests: one IPv4 /8 network with a city and a
//! country, enough to check that Gatehouse reads real `.mmdb` files.

fn string(out: &mut Vec<u8>, s: &str) {
    assert!(s.len() < 29);
    out.push(0x40 | s.len() as u8);
    out.extend_from_slice(s.as_bytes());
}

fn map_header(out: &mut Vec<u8>, pairs: u8) {
    out.push(0xE0 | pairs);
}

fn uint(out: &mut Vec<u8>, type_bits: u8, value: u64, width: usize) {
    let bytes = &value.to_be_bytes()[8 - width..];
    if type_bits >= 8 {
        out.push(width as u8);
        out.push(type_bits - 7);
    } else {
        out.push((type_bits << 5) | width as u8);
    }
    out.extend_from_slice(bytes);
}

fn names(out: &mut Vec<u8>, en: &str) {
    map_header(out, 1);
    string(out, "names");
    map_header(out, 1);
    string(out, "en");
    string(out, en);
}

/// A database where every address in `first_octet.0.0.0/8` is in `city`, `country` (`iso`).
pub fn write(path: &std::path::Path, first_octet: u8, city: &str, country: &str, iso: &str) {
    const NODES: u32 = 8;
    // The data section: one record.
    let mut data = Vec::new();
    map_header(&mut data, 2);
    string(&mut data, "city");
    names(&mut data, city);
    string(&mut data, "country");
    map_header(&mut data, 2);
    string(&mut data, "iso_code");
    string(&mut data, iso);
    string(&mut data, "names");
    map_header(&mut data, 1);
    string(&mut data, "en");
    string(&mut data, country);
    // The search tree: one node per bit of the first octet; the other branch has no data.
    let mut file = Vec::new();
    for bit in 0..8u32 {
        let on = (first_octet >> (7 - bit)) & 1;
        let next = if bit == 7 { NODES + 16 } else { bit + 1 };
        let (left, right) = if on == 1 {
            (NODES, next)
        } else {
            (next, NODES)
        };
        file.extend_from_slice(&left.to_be_bytes()[1..]);
        file.extend_from_slice(&right.to_be_bytes()[1..]);
    }
    file.extend_from_slice(&[0; 16]);
    file.extend_from_slice(&data);
    file.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
    let mut meta = Vec::new();
    map_header(&mut meta, 9);
    string(&mut meta, "node_count");
    uint(&mut meta, 6, u64::from(NODES), 4);
    string(&mut meta, "record_size");
    uint(&mut meta, 5, 24, 2);
    string(&mut meta, "ip_version");
    uint(&mut meta, 5, 4, 2);
    string(&mut meta, "database_type");
    string(&mut meta, "GeoLite2-City");
    string(&mut meta, "languages");
    meta.push(1);
    meta.push(11 - 7);
    string(&mut meta, "en");
    string(&mut meta, "binary_format_major_version");
    uint(&mut meta, 5, 2, 2);
    string(&mut meta, "binary_format_minor_version");
    uint(&mut meta, 5, 0, 0);
    string(&mut meta, "build_epoch");
    uint(&mut meta, 9, 1_700_000_000, 8);
    string(&mut meta, "description");
    map_header(&mut meta, 1);
    string(&mut meta, "en");
    string(&mut meta, "Gatehouse test data");
    file.extend_from_slice(&meta);
    std::fs::write(path, file).expect("write the test database");
}
