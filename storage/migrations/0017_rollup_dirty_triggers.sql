-- Queue the objectives whose stored roll-up a write may have changed (docs/okr-math.md
-- "Stored roll-ups"). Only ids are queued here; storage/repos/rollup-store.ts does the math.
CREATE TRIGGER `rollup_dirty_kr_insert` AFTER INSERT ON `key_results` BEGIN
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) VALUES (NEW.`objective_id`, NEW.`org_id`, 1)
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
-- Updates queue only when a value the roll-up reads changed (storage/repos/rollup-store.ts loadKrs,
-- loadKrOwners): the same check-in twice, a title or an updated_at queues nothing.
CREATE TRIGGER `rollup_dirty_kr_update` AFTER UPDATE OF `objective_id`, `cycle_id`, `kind`, `start_value`, `target_value`, `current_value`, `direction`, `weight`, `progress_mode`, `confidence`, `last_check_in_at`, `position`, `status` ON `key_results`
WHEN OLD.`objective_id` IS NOT NEW.`objective_id` OR OLD.`cycle_id` IS NOT NEW.`cycle_id` OR OLD.`progress` IS NOT NEW.`progress`
  OR OLD.`weight` IS NOT NEW.`weight` OR OLD.`progress_mode` IS NOT NEW.`progress_mode` OR OLD.`confidence` IS NOT NEW.`confidence`
  OR (OLD.`last_check_in_at` IS NULL) <> (NEW.`last_check_in_at` IS NULL) OR OLD.`position` IS NOT NEW.`position` OR OLD.`status` IS NOT NEW.`status`
BEGIN
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
CREATE TRIGGER `rollup_dirty_objective_update` AFTER UPDATE OF `cycle_id`, `owner_type`, `parent_kr_id`, `status`, `position` ON `objectives`
WHEN OLD.`cycle_id` IS NOT NEW.`cycle_id` OR OLD.`owner_type` IS NOT NEW.`owner_type` OR OLD.`parent_kr_id` IS NOT NEW.`parent_kr_id`
  OR OLD.`status` IS NOT NEW.`status` OR OLD.`position` IS NOT NEW.`position`
BEGIN
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) VALUES (NEW.`id`, NEW.`org_id`, 1)
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `rollup_dirty_objective_delete` AFTER DELETE ON `objectives` BEGIN
  INSERT INTO `rollup_dirty` (`objective_id`, `org_id`, `n`) VALUES (OLD.`id`, OLD.`org_id`, 1)
    ON CONFLICT (`objective_id`) DO UPDATE SET `n` = `n` + 1;
END;
