-- One shape for a goal change's values: the field named by the request's kind
-- (`{"target":4.8}`, `{"start":10}`), as chat writes them and as approving
-- reads them. Demo seeds before this migration stored `targetValue` /
-- `startValue`, which showed as "目标值 — → —" and failed on approval.
UPDATE `adjustments` SET `proposed` = json_remove(json_set(`proposed`, '$.target', json_extract(`proposed`, '$.targetValue')), '$.targetValue') WHERE json_extract(`proposed`, '$.targetValue') IS NOT NULL;
--> statement-breakpoint
UPDATE `adjustments` SET `current` = json_remove(json_set(`current`, '$.target', json_extract(`current`, '$.targetValue')), '$.targetValue') WHERE json_extract(`current`, '$.targetValue') IS NOT NULL;
--> statement-breakpoint
UPDATE `adjustments` SET `proposed` = json_remove(json_set(`proposed`, '$.start', json_extract(`proposed`, '$.startValue')), '$.startValue') WHERE json_extract(`proposed`, '$.startValue') IS NOT NULL;
--> statement-breakpoint
UPDATE `adjustments` SET `current` = json_remove(json_set(`current`, '$.start', json_extract(`current`, '$.startValue')), '$.startValue') WHERE json_extract(`current`, '$.startValue') IS NOT NULL;
