//! [`TeamStore`] of the [`MemoryStorage`]: notes and canned replies in maps.

use std::collections::BTreeMap;

use async_trait::async_trait;
use support_protocol::{CannedReply, ManagerId, Note, TicketId, Timestamp};

use super::MemoryStorage;
use crate::storage::{ManagerRecord, NOTES_PER_TICKET, StorageError, StorageResult, TeamStore};

/// The team's notes (with their authors' ids) and canned replies.
#[derive(Debug, Default)]
pub(super) struct Team {
    notes: BTreeMap<i64, (Note, ManagerId)>,
    canned: BTreeMap<i64, CannedReply>,
    next_note: i64,
    next_canned: i64,
}

#[async_trait]
impl TeamStore for MemoryStorage {
    async fn create_note(
        &self,
        ticket: TicketId,
        manager: ManagerId,
        text: String,
    ) -> StorageResult<Note> {
        let mut state = self.lock();
        if !state.tickets.contains_key(&ticket) {
            return Err(StorageError::TicketNotFound(ticket));
        }
        state.team.next_note += 1;
        let note = Note {
            id: state.team.next_note,
            ticket,
            created_at: Timestamp::now(),
            text,
            manager: state.managers.get(&manager).map(ManagerRecord::public),
        };
        state.team.notes.insert(note.id, (note.clone(), manager));
        Ok(note)
    }

    async fn list_notes(&self, ticket: TicketId) -> StorageResult<Vec<Note>> {
        let state = self.lock();
        if !state.tickets.contains_key(&ticket) {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let mut notes: Vec<Note> = state
            .team
            .notes
            .values()
            .rev()
            .filter(|(n, _)| n.ticket == ticket)
            .take(NOTES_PER_TICKET as usize)
            .map(|(n, author)| Note {
                // The author's names as they are now.
                manager: state.managers.get(author).map(ManagerRecord::public),
                ..n.clone()
            })
            .collect();
        notes.reverse();
        Ok(notes)
    }

    async fn list_canned(&self) -> StorageResult<Vec<CannedReply>> {
        let mut all: Vec<CannedReply> = self.lock().team.canned.values().cloned().collect();
        all.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    async fn create_canned(&self, title: String, text: String) -> StorageResult<CannedReply> {
        let mut state = self.lock();
        state.team.next_canned += 1;
        let reply = CannedReply {
            id: state.team.next_canned,
            title,
            text,
            updated_at: Timestamp::now(),
        };
        state.team.canned.insert(reply.id, reply.clone());
        Ok(reply)
    }

    async fn update_canned(
        &self,
        id: i64,
        title: Option<String>,
        text: Option<String>,
    ) -> StorageResult<Option<CannedReply>> {
        let mut state = self.lock();
        let Some(reply) = state.team.canned.get_mut(&id) else {
            return Ok(None);
        };
        if let Some(title) = title {
            reply.title = title;
        }
        if let Some(text) = text {
            reply.text = text;
        }
        reply.updated_at = Timestamp::now();
        Ok(Some(reply.clone()))
    }

    async fn delete_canned(&self, id: i64) -> StorageResult<bool> {
        Ok(self.lock().team.canned.remove(&id).is_some())
    }

    async fn count_canned(&self) -> StorageResult<u64> {
        Ok(self.lock().team.canned.len() as u64)
    }
}
