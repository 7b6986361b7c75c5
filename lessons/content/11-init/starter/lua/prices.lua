-- The shop's price list, loaded once at start-up (in a real shop it would
-- come from a file or a database: slow, blocking work that init can afford).
return {
    apple = 3,
    pear = 4,
    plum = 2,
    fig = 6,
}
