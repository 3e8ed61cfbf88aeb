//! Both clocks read at one moment, as every failure message shows them: `virtual 12.000s, real 0.004s`. A reader
//! sees at once whether the test was waiting (virtual far ahead) or stuck (real far ahead).

use std::fmt;
use std::time::Duration;

use crate::report::seconds;

#[derive(Clone, Copy, Debug)]
pub(crate) struct ClockReading {
    pub(crate) virtual_elapsed: Duration,
    pub(crate) real_elapsed: Duration,
}

impl fmt::Display for ClockReading {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "virtual {}, real {}",
            seconds(self.virtual_elapsed),
            seconds(self.real_elapsed)
        )
    }
}
