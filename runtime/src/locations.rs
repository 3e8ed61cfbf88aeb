//! Where each live task was spawned, for leak reports. tokio offers task hooks only with `--cfg tokio_unstable`, so
//! this module exists only in such builds; without it, reports say how to get locations.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::{Arc, Mutex, PoisonError};

use crate::activity::Activity;

#[derive(Default)]
pub(crate) struct SpawnLocations {
    alive: Mutex<HashMap<tokio::task::Id, &'static Location<'static>>>,
}

impl SpawnLocations {
    pub(crate) fn observe(activity: &Arc<Activity>, builder: &mut tokio::runtime::Builder) {
        let on_spawn = Arc::clone(activity);
        builder.on_task_spawn(move |task| {
            let mut alive = on_spawn
                .spawn_locations
                .alive
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            alive.insert(task.id(), task.spawned_at());
        });
        let on_terminate = Arc::clone(activity);
        builder.on_task_terminate(move |task| {
            let mut alive = on_terminate
                .spawn_locations
                .alive
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            alive.remove(&task.id());
        });
    }

    /// `file:line:column` of every live task, grouped, with a count where several share a place.
    pub(crate) fn of_live_tasks(&self) -> Vec<String> {
        let alive = self.alive.lock().unwrap_or_else(PoisonError::into_inner);
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
