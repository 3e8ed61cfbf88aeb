//! Where each live task was spawned, for leak reports. tokio offers task hooks only with `--cfg tokio_unstable`, so
//! this module exists only in such builds; without it, reports say how to get locations.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::{Arc, Mutex};

use crate::lock::lock;

#[derive(Default)]
pub(crate) struct SpawnLocations {
    alive: Mutex<HashMap<tokio::task::Id, &'static Location<'static>>>,
}

impl SpawnLocations {
    /// Installs the task hooks that keep the table.
    pub(crate) fn observe(self: &Arc<Self>, builder: &mut tokio::runtime::Builder) {
        let on_spawn = Arc::clone(self);
        builder.on_task_spawn(move |task| {
            lock(&on_spawn.alive).insert(task.id(), task.spawned_at());
        });
        let on_terminate = Arc::clone(self);
        builder.on_task_terminate(move |task| {
            lock(&on_terminate.alive).remove(&task.id());
        });
    }

    /// Where the live task `task` was spawned.
    #[cfg_attr(not(feature = "taskdump"), allow(dead_code))]
    pub(crate) fn location_of(&self, task: tokio::task::Id) -> Option<&'static Location<'static>> {
        lock(&self.alive).get(&task).copied()
    }

    /// `file:line:column` of every live task, grouped, with a count where several share a place.
    pub(crate) fn of_live_tasks(&self) -> Vec<String> {
        let alive = lock(&self.alive);
        let mut counts: HashMap<String, usize> = HashMap::new();
        for location in alive.values() {
            *counts.entry(location.to_string()).or_default() += 1;
        }
        let mut places: Vec<(String, usize)> = counts.into_iter().collect();
        places.sort();
        places
            .into_iter()
            .map(|(place, count)| match count {
                1 => place,
                more => format!("{place} ({more} tasks)"),
            })
            .collect()
    }
}
