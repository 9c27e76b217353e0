-- Queue the objectives whose stored roll-up a write may have changed (docs/okr-math.md
-- "Stored roll-ups"). Only ids are queued here; storage/repos/rollup-store.ts does the math.
CREATE TRIGGER `rollup_dirty_kr_insert` AFTER INSERT ON `key_results` BEGIN
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) VALUES (NEW.`objective_id`, NEW.`org_id`, 1)
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `rollup_dirty_kr_update` AFTER UPDATE OF `objective_id`, `cycle_id`, `kind`, `start_value`, `target_value`, `current_value`, `direction`, `weight`, `progress_mode`, `confidence`, `last_check_in_at`, `position`, `status` ON `key_results` BEGIN
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) VALUES (NEW.`objective_id`, NEW.`org_id`, 1)
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) SELECT OLD.`objective_id`, OLD.`org_id`, 1 WHERE OLD.`objective_id` <> NEW.`objective_id`
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `rollup_dirty_kr_delete` AFTER DELETE ON `key_results` BEGIN
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) VALUES (OLD.`objective_id`, OLD.`org_id`, 1)
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `rollup_dirty_objective_insert` AFTER INSERT ON `objectives` BEGIN
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) VALUES (NEW.`id`, NEW.`org_id`, 1)
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `rollup_dirty_objective_update` AFTER UPDATE OF `cycle_id`, `owner_type`, `parent_kr_id`, `status`, `position` ON `objectives` BEGIN
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) VALUES (NEW.`id`, NEW.`org_id`, 1)
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `rollup_dirty_objective_delete` AFTER DELETE ON `objectives` BEGIN
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) VALUES (OLD.`id`, OLD.`org_id`, 1)
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
END;
