-- Queue strategies take the ACD's names, one list everywhere
-- (acd.StrategyNames): the store's older fewest_calls and skills_based
-- become fewest_handled and best_skill.
-- +goose Up
UPDATE queues SET strategy = 'fewest_handled' WHERE strategy = 'fewest_calls';
UPDATE queues SET strategy = 'best_skill' WHERE strategy = 'skills_based';

-- +goose Down
UPDATE queues SET strategy = 'fewest_calls' WHERE strategy = 'fewest_handled';
UPDATE queues SET strategy = 'skills_based' WHERE strategy = 'best_skill';
