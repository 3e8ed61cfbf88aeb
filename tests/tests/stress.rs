//! 200 tests at once, passing and failing in every way the guards know, run in parallel in a child process
//! (`--test-threads=8`): each failure must be reported on exactly the test that caused it, naming its own cause and
//! nothing of any other test's. The tests themselves are `#[ignore]`d; `two_hundred_tests_in_parallel_never_cross_talk`
//! runs them.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

/// What test number `index` does, by its remainder.
const KINDS: [Kind; 7] = [
    Kind::Passes,
    Kind::LeaksATask,
    Kind::TaskPanics,
    Kind::Deadlocks,
    Kind::RunsAwayInVirtualTime,
    Kind::BodyPanics,
    Kind::BlocksTheEventLoop,
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Passes,
    LeaksATask,
    TaskPanics,
    Deadlocks,
    RunsAwayInVirtualTime,
    BodyPanics,
    BlocksTheEventLoop,
}

impl Kind {
    fn of(index: usize) -> Kind {
        KINDS[index % KINDS.len()]
    }

    /// What the failure of test `index` must say, or `None` for a test that passes.
    fn expected_failure(self, index: usize) -> Option<String> {
        let name = format!("stress::stress_{index:03}");
        match self {
            Kind::Passes => None,
            Kind::LeaksATask => Some(format!("test `{name}` leaked 1 task")),
            Kind::TaskPanics => Some(format!("test `{name}` failed: a spawned task panicked")),
            Kind::Deadlocks => Some(format!("test `{name}` deadlocked")),
            Kind::RunsAwayInVirtualTime => Some(format!("test `{name}` ran past its virtual_timeout")),
            Kind::BodyPanics => Some(format!("body of stress test {index}")),
            Kind::BlocksTheEventLoop => Some(format!("test `{name}` failed: event loop blocked")),
        }
    }
}

fn block_the_event_loop(duration: Duration) {
    std::thread::sleep(duration);
}

async fn behave(index: usize) {
    match Kind::of(index) {
        Kind::Passes => tokio::time::sleep(Duration::from_secs(index as u64)).await,
        Kind::LeaksATask => {
            tokio::spawn(async {
                let mut ticker = tokio::time::interval(Duration::from_secs(1));
                loop {
                    ticker.tick().await;
                }
            });
        }
        Kind::TaskPanics => {
            tokio::spawn(async move { panic!("task of stress test {index}") });
            tokio::task::yield_now().await;
        }
        Kind::Deadlocks => tokio::sync::Notify::new().notified().await,
        Kind::RunsAwayInVirtualTime => {
            let ticker = tokio::spawn(async {
                let mut ticker = tokio::time::interval(Duration::from_secs(60));
                loop {
                    ticker.tick().await;
                }
            });
            tokio::sync::Notify::new().notified().await;
            ticker.abort();
        }
        Kind::BodyPanics => panic!("body of stress test {index}"),
        Kind::BlocksTheEventLoop => block_the_event_loop(Duration::from_millis(600)),
    }
}

macro_rules! stress_tests {
    ($($name:ident = $index:literal),* $(,)?) => {
        $(
            #[ws_test::test]
            #[ignore = "run by two_hundred_tests_in_parallel_never_cross_talk in a child process"]
            async fn $name() {
                behave($index).await;
            }
        )*
    };
}

stress_tests!(
    stress_000 = 0,
    stress_001 = 1,
    stress_002 = 2,
    stress_003 = 3,
    stress_004 = 4,
    stress_005 = 5,
    stress_006 = 6,
    stress_007 = 7,
    stress_008 = 8,
    stress_009 = 9,
    stress_010 = 10,
    stress_011 = 11,
    stress_012 = 12,
    stress_013 = 13,
    stress_014 = 14,
    stress_015 = 15,
    stress_016 = 16,
    stress_017 = 17,
    stress_018 = 18,
    stress_019 = 19,
    stress_020 = 20,
    stress_021 = 21,
    stress_022 = 22,
    stress_023 = 23,
    stress_024 = 24,
    stress_025 = 25,
    stress_026 = 26,
    stress_027 = 27,
    stress_028 = 28,
    stress_029 = 29,
    stress_030 = 30,
    stress_031 = 31,
    stress_032 = 32,
    stress_033 = 33,
    stress_034 = 34,
    stress_035 = 35,
    stress_036 = 36,
    stress_037 = 37,
    stress_038 = 38,
    stress_039 = 39,
    stress_040 = 40,
    stress_041 = 41,
    stress_042 = 42,
    stress_043 = 43,
    stress_044 = 44,
    stress_045 = 45,
    stress_046 = 46,
    stress_047 = 47,
    stress_048 = 48,
    stress_049 = 49,
    stress_050 = 50,
    stress_051 = 51,
    stress_052 = 52,
    stress_053 = 53,
    stress_054 = 54,
    stress_055 = 55,
    stress_056 = 56,
    stress_057 = 57,
    stress_058 = 58,
    stress_059 = 59,
    stress_060 = 60,
    stress_061 = 61,
    stress_062 = 62,
    stress_063 = 63,
    stress_064 = 64,
    stress_065 = 65,
    stress_066 = 66,
    stress_067 = 67,
    stress_068 = 68,
    stress_069 = 69,
    stress_070 = 70,
    stress_071 = 71,
    stress_072 = 72,
    stress_073 = 73,
    stress_074 = 74,
    stress_075 = 75,
    stress_076 = 76,
    stress_077 = 77,
    stress_078 = 78,
    stress_079 = 79,
    stress_080 = 80,
    stress_081 = 81,
    stress_082 = 82,
    stress_083 = 83,
    stress_084 = 84,
    stress_085 = 85,
    stress_086 = 86,
    stress_087 = 87,
    stress_088 = 88,
    stress_089 = 89,
    stress_090 = 90,
    stress_091 = 91,
    stress_092 = 92,
    stress_093 = 93,
    stress_094 = 94,
    stress_095 = 95,
    stress_096 = 96,
    stress_097 = 97,
    stress_098 = 98,
    stress_099 = 99,
    stress_100 = 100,
    stress_101 = 101,
    stress_102 = 102,
    stress_103 = 103,
    stress_104 = 104,
    stress_105 = 105,
    stress_106 = 106,
    stress_107 = 107,
    stress_108 = 108,
    stress_109 = 109,
    stress_110 = 110,
    stress_111 = 111,
    stress_112 = 112,
    stress_113 = 113,
    stress_114 = 114,
    stress_115 = 115,
    stress_116 = 116,
    stress_117 = 117,
    stress_118 = 118,
    stress_119 = 119,
    stress_120 = 120,
    stress_121 = 121,
    stress_122 = 122,
    stress_123 = 123,
    stress_124 = 124,
    stress_125 = 125,
    stress_126 = 126,
    stress_127 = 127,
    stress_128 = 128,
    stress_129 = 129,
    stress_130 = 130,
    stress_131 = 131,
    stress_132 = 132,
    stress_133 = 133,
    stress_134 = 134,
    stress_135 = 135,
    stress_136 = 136,
    stress_137 = 137,
    stress_138 = 138,
    stress_139 = 139,
    stress_140 = 140,
    stress_141 = 141,
    stress_142 = 142,
    stress_143 = 143,
    stress_144 = 144,
    stress_145 = 145,
    stress_146 = 146,
    stress_147 = 147,
    stress_148 = 148,
    stress_149 = 149,
    stress_150 = 150,
    stress_151 = 151,
    stress_152 = 152,
    stress_153 = 153,
    stress_154 = 154,
    stress_155 = 155,
    stress_156 = 156,
    stress_157 = 157,
    stress_158 = 158,
    stress_159 = 159,
    stress_160 = 160,
    stress_161 = 161,
    stress_162 = 162,
    stress_163 = 163,
    stress_164 = 164,
    stress_165 = 165,
    stress_166 = 166,
    stress_167 = 167,
    stress_168 = 168,
    stress_169 = 169,
    stress_170 = 170,
    stress_171 = 171,
    stress_172 = 172,
    stress_173 = 173,
    stress_174 = 174,
    stress_175 = 175,
    stress_176 = 176,
    stress_177 = 177,
    stress_178 = 178,
    stress_179 = 179,
    stress_180 = 180,
    stress_181 = 181,
    stress_182 = 182,
    stress_183 = 183,
    stress_184 = 184,
    stress_185 = 185,
    stress_186 = 186,
    stress_187 = 187,
    stress_188 = 188,
    stress_189 = 189,
    stress_190 = 190,
    stress_191 = 191,
    stress_192 = 192,
    stress_193 = 193,
    stress_194 = 194,
    stress_195 = 195,
    stress_196 = 196,
    stress_197 = 197,
    stress_198 = 198,
    stress_199 = 199
);

#[test]
fn two_hundred_tests_in_parallel_never_cross_talk() {
    let executable = std::env::current_exe().expect("the test binary knows its own path");
    let output = std::process::Command::new(executable)
        .args(["--ignored", "--test-threads=8", "stress_"])
        .env_remove("WS_TEST_TIMEOUT")
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // libtest prints each failed test's captured output under `---- name stdout ----`.
    let mut failures: BTreeMap<usize, String> = BTreeMap::new();
    for section in stdout.split("\n---- ").skip(1) {
        let (header, body) = section.split_once('\n').unwrap_or((section, ""));
        let name = header.trim_end_matches(" stdout ----");
        let index: usize = name
            .trim_start_matches("stress_")
            .parse()
            .expect("a stress test's name");
        failures.insert(index, body.split("\n\n---- ").next().unwrap_or(body).to_string());
    }
    for index in 0..200 {
        let kind = Kind::of(index);
        let line = format!("test stress_{index:03} ... ");
        match kind.expected_failure(index) {
            None => {
                assert!(
                    stdout.contains(&format!("{line}ok")),
                    "stress_{index:03} should pass:\n{stdout}\n{stderr}"
                );
                assert!(!failures.contains_key(&index));
            }
            Some(expected) => {
                assert!(
                    stdout.contains(&format!("{line}FAILED")),
                    "stress_{index:03} ({kind:?}) should fail"
                );
                let report = failures
                    .get(&index)
                    .unwrap_or_else(|| panic!("no report for stress_{index:03}"));
                assert!(
                    report.contains(&expected),
                    "stress_{index:03} ({kind:?}): {expected:?} missing from:\n{report}"
                );
                // Nothing of another test: no other test's name or number.
                for other in (0..200).filter(|other| *other != index) {
                    assert!(
                        !report.contains(&format!("stress_{other:03}`"))
                            && !report.contains(&format!("stress test {other}\n")),
                        "stress_{index:03}'s report mentions stress_{other:03}:\n{report}"
                    );
                }
            }
        }
    }
    let failing = (0..200).filter(|index| Kind::of(*index) != Kind::Passes).count();
    assert!(
        stdout.contains(&format!(
            "test result: FAILED. {} passed; {failing} failed",
            200 - failing
        )),
        "{stdout}"
    );
}
