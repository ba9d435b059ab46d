import type { MemorySample } from '../shared/types';

/** What the coordinator can ask the Tidings target process (see tidings-server.ts). */
export type TidingsTargetApi = {
  memory(): Promise<MemorySample>;
  /**
   * Creates `rooms` users, each owning one note (the room), and `perRoom` sessions per user with
   * an access token each: every connection of a room is a device of the note's owner.
   */
  provision(params: { rooms: number; perRoom: number }): Promise<ProvisionedRoom[]>;
  /** A new user who then misses `count` changes made straight in the database. */
  seedChanges(params: { count: number }): Promise<SeededChanges>;
  stop(): Promise<void>;
};

export interface ProvisionedRoom {
  userId: string;
  noteId: string;
  tokens: string[];
}

export interface SeededChanges {
  token: string;
  /** The seq the client had before the changes. */
  fromSeq: number;
  /** Changes in the log after fromSeq. */
  changes: number;
  /** Notes the user has (what a REST re-fetch reads). */
  notes: number;
}
