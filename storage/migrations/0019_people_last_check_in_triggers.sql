-- people.last_check_in_at is the newest check_ins.created_at the person authored (storage/schema.ts).
-- Filled once here, then kept by these triggers, whatever writes check_ins (chat, API, cards, imports).
UPDATE `people` SET `last_check_in_at` = (SELECT max(`created_at`) FROM `check_ins` WHERE `author_id` = `people`.`id`);--> statement-breakpoint
CREATE TRIGGER `people_last_check_in_insert` AFTER INSERT ON `check_ins` WHEN NEW.`author_id` IS NOT NULL BEGIN
  UPDATE `people` SET `last_check_in_at` = NEW.`created_at`
    WHERE `id` = NEW.`author_id` AND (`last_check_in_at` IS NULL OR `last_check_in_at` < NEW.`created_at`);
END;--> statement-breakpoint
-- A check-in removed (its KR deleted, which cascades) or moved: the author's newest is read again.
CREATE TRIGGER `people_last_check_in_delete` AFTER DELETE ON `check_ins` WHEN OLD.`author_id` IS NOT NULL BEGIN
  UPDATE `people` SET `last_check_in_at` = (SELECT max(`created_at`) FROM `check_ins` WHERE `author_id` = OLD.`author_id`)
    WHERE `id` = OLD.`author_id`;
END;--> statement-breakpoint
CREATE TRIGGER `people_last_check_in_update` AFTER UPDATE OF `author_id`, `created_at` ON `check_ins` BEGIN
  UPDATE `people` SET `last_check_in_at` = (SELECT max(`created_at`) FROM `check_ins` WHERE `author_id` = OLD.`author_id`)
    WHERE `id` = OLD.`author_id`;
  UPDATE `people` SET `last_check_in_at` = (SELECT max(`created_at`) FROM `check_ins` WHERE `author_id` = NEW.`author_id`)
    WHERE `id` = NEW.`author_id`;
END;
