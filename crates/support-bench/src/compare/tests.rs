//! `loadgen compare`'s table and ratios, on hand-made reports.

use super::*;

fn run(per_second: &[(usize, f64)], e2e: (f64, f64), fanout: &[(usize, f64)], rss: u64) -> RunView {
    RunView {
        label: "t".into(),
        idle_rss_kib: Some(rss),
        rest: per_second
            .iter()
            .map(|&(clients, per_second)| RestView {
                clients,
                per_second,
                errors: 0,
                latency: LatencyView {
                    p50_ms: 1.0,
                    p99_ms: 1000.0 / per_second,
                },
            })
            .collect(),
        e2e_low_rate: Some(EndToEndView {
            latency: LatencyView {
                p50_ms: e2e.0,
                p99_ms: e2e.1,
            },
            timeouts: 0,
        }),
        fanout: fanout
            .iter()
            .map(|&(sockets, ms)| FanoutView {
                sockets,
                connected: sockets,
                all_received: LatencyView {
                    p50_ms: ms,
                    p99_ms: ms,
                },
                incomplete_rounds: 0,
            })
            .collect(),
    }
}

#[test]
fn numbers_and_ratios_print_as_the_issue_does() {
    assert_eq!(number(26_527.4), "26,527");
    assert_eq!(number(1_076.0), "1,076");
    assert_eq!(number(154.0), "154");
    assert_eq!(number(13.27), "13.3");
    assert_eq!(number(0.994), "0.99");
    assert_eq!(number(f64::NAN), "—");
    assert_eq!(ratio(26_527.0, 111.0), "239×");
    assert_eq!(ratio(7.57, 0.99), "7.6×");
    assert_eq!(ratio(1.0, 0.0), "—");
    assert_eq!(ratio(f64::NAN, 1.0), "—");
}

#[test]
fn medians_and_ranges() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    assert!(median(&[f64::NAN]).is_nan());
    assert_eq!(cell(&[154.0]), "154");
    assert_eq!(cell(&[167.0, 154.0, 160.0]), "154–167");
    assert_eq!(cell(&[f64::NAN]), "—");
}

#[test]
fn the_table_of_one_round() {
    let original = run(
        &[(1, 154.0), (16, 167.0), (64, 111.0)],
        (7.57, 13.3),
        &[(1000, 1209.0)],
        74_121,
    );
    let ours = run(
        &[(1, 2463.0), (16, 15_696.0), (64, 26_527.0)],
        (0.99, 2.45),
        &[(1000, 16.0), (10_000, 120.0)],
        10_645,
    );
    let t = table(&[original], &[ours], &[1, 16, 64], &[1000, 10_000]);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(
        lines[2],
        "| (a) message POSTs/s at 1 / 16 / 64 clients | 154 / 167 / 111 | 2,463 / 15,696 / 26,527 | 16× / 94× / 239× |"
    );
    assert_eq!(
        lines[3],
        "| (a) p99 at 64 clients | 9.01 ms | 0.04 ms | 239× |"
    );
    assert_eq!(
        lines[4],
        "| (b) POST → manager socket, low rate p50 / p99 | 7.57 / 13.3 ms | 0.99 / 2.45 ms | 7.6× / 5.4× |"
    );
    assert_eq!(
        lines[5],
        "| (c) `ticket.created` on 1,000 / 10,000 sockets | 1,209 / — ms | 16.0 / 120 ms | 76× / — |"
    );
    assert_eq!(lines[6], "| (d) idle RSS | 75.9 MB | 10.9 MB | 7.0× |");
    assert_eq!(lines.len(), 7, "{t}");
}

#[test]
fn several_rounds_show_ranges_and_compare_medians() {
    let o = [
        run(&[(64, 100.0)], (8.0, 14.0), &[], 70_000),
        run(&[(64, 120.0)], (7.0, 12.0), &[], 72_000),
    ];
    let u = [
        run(&[(64, 11_000.0)], (1.0, 2.0), &[], 10_000),
        run(&[(64, 13_000.0)], (1.0, 2.0), &[], 10_000),
    ];
    let t = table(&o, &u, &[64], &[]);
    assert!(
        t.contains("| (a) message POSTs/s at 64 clients | 100–120 | 11,000–13,000 | 109× |"),
        "{t}"
    );
    assert!(
        t.contains("| 7.00–8.00 / 12.0–14.0 ms | 1.00 / 2.00 ms | 7.5× / 6.5× |"),
        "{t}"
    );
}

#[test]
fn caveats_are_listed_and_partial_fanouts_left_out() {
    let mut o = run(&[(64, 100.0)], (8.0, 14.0), &[(1000, 900.0)], 70_000);
    o.rest[0].errors = 3;
    o.fanout[0].connected = 990;
    let u = run(&[(64, 10_000.0)], (1.0, 2.0), &[(1000, 20.0)], 10_000);
    let t = table(&[o], &[u], &[64], &[1000]);
    assert!(
        t.contains("| (c) `ticket.created` on 1,000 sockets | — | 20.0 ms | — |"),
        "{t}"
    );
    assert!(t.contains("(a) 3 errors at 64 clients"), "{t}");
    assert!(t.contains("only 990 of 1000 sockets connected"), "{t}");
}

#[test]
fn a_report_of_loadgen_run_parses() {
    let report = crate::report::Report {
        label: "x".into(),
        idle_rss_kib: Some(10_000),
        ..Default::default()
    };
    let json = serde_json::to_string(&report).unwrap();
    let view: RunView = serde_json::from_str(&json).unwrap();
    assert_eq!(view.idle_rss_kib, Some(10_000));
    assert!(view.rest.is_empty() && view.e2e_low_rate.is_none());
}
