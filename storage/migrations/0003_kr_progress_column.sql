DROP INDEX `key_results_cycle_objective`;--> statement-breakpoint
ALTER TABLE `key_results` ADD `progress` real GENERATED ALWAYS AS ((CASE kind
    WHEN 'boolean' THEN (CASE WHEN current_value >= 1 THEN 1.0 ELSE 0.0 END)
    WHEN 'milestone' THEN (CASE WHEN target_value > 0 THEN min(1.0, CAST(max(current_value, 0) AS INTEGER) * 1.0 / target_value) ELSE 0.0 END)
    ELSE (CASE
      WHEN target_value = start_value THEN (CASE WHEN (direction = 'down' AND current_value <= target_value) OR (direction <> 'down' AND current_value >= target_value) THEN 1.0 ELSE 0.0 END)
      ELSE max(0.0, min(1.0, (current_value - start_value) * 1.0 / (target_value - start_value)))
    END)
  END)) VIRTUAL;--> statement-breakpoint
CREATE INDEX `key_results_rollup` ON `key_results` (`cycle_id`,`objective_id`,`status`,`org_id`,`progress_mode`,`weight`,`progress`,`confidence`,`last_check_in_at`);