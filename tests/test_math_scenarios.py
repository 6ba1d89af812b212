"""Every scenario against a second solution written independently here, from the question's wording
(not from the scenario's solution program), over many draws; and the catalogue's coverage of GSM8K kinds."""

from __future__ import annotations

import math
import random
from fractions import Fraction as F

import pytest
from dsgen.builders.math import scenario, scenario_names

# One formula per scenario, from what its question asks, over the drawn variables ``v`` (Fractions).
SOLUTIONS = {
    # -- the first 44 scenarios
    "aquarium_fish": lambda v: v["tanks"] * v["per_tank"] + v["born"] - v["sold"],
    "bake_sale_profit": lambda v: (v["made"] - v["unsold"]) * v["price"] - v["cost"],
    "bakery_boxes": lambda v: v["batches"] * v["per_batch"] / v["per_box"],
    "basketball_points": lambda v: v["games"] * (2 * v["twos"] + 3 * v["threes"] + v["free_throws"]),
    "bike_rental": lambda v: v["bikes"] * (v["fee"] + v["hourly"] * v["hours"]) / v["friends"],
    "candy_jar": lambda v: v["jars"] * v["per_jar"] / v["per_day"],
    "carpool_miles": lambda v: 2 * v["distance"] * v["days"] * v["cost_per_km"] / v["riders"],
    "classroom_groups": lambda v: v["classes"] * v["per_class"] / v["size"],
    "coffee_cart": lambda v: v["cups"] * v["price"] * v["days"] - v["costs"],
    "concert_seats": lambda v: (v["rows"] - v["vip_rows"]) * v["per_row"] * v["pct"] / 100,
    "discount_sale": lambda v: v["count"] * v["price"] * (100 - v["pct"]) / 100,
    "egg_cartons": lambda v: (v["hens"] * v["per_week"] * v["weeks"] - v["broken"]) / 12,
    "family_ages": lambda v: v["age"] + v["age"] * v["times"] + v["age"] * v["times"] + v["gap"],
    "farm_legs": lambda v: 2 * (v["chickens"] + v["ducks"]) + 4 * v["cows"],
    "fence_cost": lambda v: 2 * (v["length"] + v["width"]) * v["price"],
    "floor_tiles": lambda v: v["length"] * v["width"] * v["per_m2"] / v["per_box"],
    "fruit_stand": lambda v: v["crates"] * v["per_crate"] * (100 - v["pct"]) / 100,
    "fuel_trip": lambda v: v["distance"] / v["km_per_liter"] * v["price"],
    "fundraiser_goal": lambda v: v["goal"] * (100 - v["pct"]) / 100 / v["donors"],
    "garden_rows": lambda v: (v["rows"] * v["per_row"] - v["eaten"]) / v["friends"],
    "hiking_pace": lambda v: v["minutes_per_km"] * v["km"] + v["breaks"] * v["break_minutes"],
    "laundry_day": lambda v: (v["shirts"] + v["towels"]) / v["per_load"] * v["minutes"],
    "library_books": lambda v: v["shelves"] * v["per_shelf"] - v["borrowed"] + v["returned"],
    "marbles_share": lambda v: v["start"] - v["start"] / v["part"] + v["bought"],
    "movie_night": lambda v: v["adults"] * v["adult_price"] + v["kids"] * (v["kid_price"] + v["popcorn"]),
    "orchard_harvest": lambda v: v["trees"] * v["kg_per_tree"] / v["kg_per_basket"] * v["price"],
    "overtime_pay": lambda v: v["rate"] * (v["hours"] * v["days"] + F(3, 2) * v["extra"]),
    "painting_walls": lambda v: v["walls"] * v["length"] * v["height"] / v["cover"],
    "paper_route": lambda v: v["houses"] * v["days"] * v["per_paper"] / 100 + v["tips"],
    "parking_garage": lambda v: v["levels"] * v["per_level"] * (100 - v["pct"]) / 100 - v["arriving"],
    "party_favors": lambda v: (v["guests"] * v["per_guest"] + v["spare"]) / v["per_pack"],
    "phone_plan": lambda v: v["months"] * (v["fee"] + v["per_gb"] * v["gb"]),
    "pizza_party": lambda v: v["pizzas"] * v["slices"] - v["guests"] * v["each"],
    "reading_pages": lambda v: (v["pages"] - v["per_day"] * v["days"]) / v["per_day"],
    "recipe_scaling": lambda v: v["amount"] * v["wanted"] / v["servings"],
    "savings_goal": lambda v: (v["goal"] - v["has"]) / v["weekly"],
    "school_trip": lambda v: math.ceil((v["classes"] * v["per_class"] + v["teachers"]) / v["seats"]),
    "shopping_change": lambda v: v["bill"] - v["count"] * v["price"],
    "simple_interest": lambda v: v["principal"] * (1 + v["rate"] * v["years"] / 100),
    "stamp_album": lambda v: (v["has"] + v["packs"] * v["per_pack"]) / 2,
    "train_legs": lambda v: v["speed1"] * v["hours1"] + v["speed2"] * v["hours2"],
    "video_game_levels": lambda v: (v["worlds"] * v["levels"] - v["done"]) / v["per_hour"],
    "water_tank": lambda v: (v["capacity"] - v["start"]) / v["rate"],
    "weekly_running": lambda v: v["weeks"] * (v["weekday_km"] * v["weekday_runs"] + 2 * v["weekend_km"]),
    # -- back-solving (unknown start)
    "cookie_jar_start": lambda v: v["left"] + v["given"] + v["eaten"],
    "wallet_start": lambda v: v["left"] + v["lunch"] + v["price"],
    "stickers_halved": lambda v: 2 * (v["now"] - v["bought"]),
    "bus_passengers_start": lambda v: v["now"] + v["off2"] - v["on1"] + v["off1"],
    "savings_doubled_start": lambda v: (v["now"] + v["spent"]) / 2 - v["gift"],
    "store_inventory_start": lambda v: (v["now"] - v["delivered"]) / (1 - v["sold_pct"] / 100),
    "hourly_rate_back_solve": lambda v: (v["total"] - v["bonus"]) / v["hours"],
    "marbles_trade_start": lambda v: v["now"] + v["gave"] + v["lost"] - v["won"],
    # -- rates, work, time
    "painter_rate": lambda v: v["area"] / (v["per_hour"] * v["hours_a_day"]),
    "two_pipes": lambda v: v["volume"] / (v["rate1"] + v["rate2"]),
    "typing_speed": lambda v: v["words"] / v["wpm"],
    "hours_to_minutes_chores": lambda v: v["chores"] * v["chore_minutes"] * v["days"] / 60,
    "workers_job_days": lambda v: v["job"] / v["workers"] / v["per_worker"],
    "speed_distance_time": lambda v: v["speed"] * v["minutes"] / 60,
    "factory_shifts": lambda v: v["order"] / (v["machines"] * v["per_hour"] * v["shift"] * v["shifts"]),
    "swimming_pool_drain_fill": lambda v: v["volume"] * (1 - v["level_pct"] / 100) * (1 / v["drain"] + 1 / v["fill"]),
    "reading_challenge_catchup": lambda v: (v["book_pages"] - v["read_days"] * v["per_day"]) / (v["days"] - v["read_days"]),
    "train_schedule": lambda v: 60 * v["hours"] + v["minutes"] + v["wait"] + v["bus"],
    "work_shift_pay": lambda v: v["length"] * v["days"] * v["rate"],
    "weekly_screen_time": lambda v: abs(5 * v["weekday_min"] + 2 * v["weekend_min"] - 60 * v["limit_hours"]),
    "marathon_training_plan": lambda v: v["first_week"] * (1 + v["increase"] / 100) ** 2 * v["pace"],
    # -- unit conversion and remainders
    "meters_of_ribbon": lambda v: (100 * v["meters"]) // v["cm_each"],
    "minibus_rounding": lambda v: -(-v["members"] // v["seats"]),
    "full_boxes_left": lambda v: v["picked"] % v["per_box"],
    "water_bottles_refill": lambda v: math.ceil(v["players"] * v["ml_each"] / (1000 * v["jug_liters"])),
    "road_trip_fuel_stops": lambda v: math.ceil(v["km_day"] * v["days"] / v["km_per_liter"] / v["tank"]),
    "class_supplies_budget": lambda v: v["budget"] - math.ceil(v["students"] * v["pencils"] / v["pack"]) * v["pack_price"]
    - v["students"] * v["notebooks_price"],
    "loan_repayment_months": lambda v: math.ceil(v["price"] * (100 - v["down_pct"]) / 100 / v["monthly"]),
    "recipe_batches_eggs": lambda v: math.ceil(math.ceil(v["guests"] / v["per_batch"]) * v["eggs_per_batch"] / v["carton"]),
    "ferry_trips_cars": lambda v: math.ceil((v["cars"] + v["van_spaces"] * v["vans"]) / v["car_spaces"]),
    "parking_meter_coins": lambda v: math.ceil(v["hours"] * 60 / v["per_minutes"] * v["rate_cents"] / v["coins_cents"]),
    "garden_harvest_share": lambda v: (lambda total: total - (total / 2 // v["neighbors"]) * v["neighbors"])(
        v["beds"] * v["plants"] * v["per_plant"]),
    # -- percentages and money
    "sale_percent_off": lambda v: v["bill"] - v["price"] * (1 - v["pct"] / 100),
    "tip_and_split": lambda v: v["bill"] * (1 + v["tip"] / 100) / v["people"],
    "tax_on_purchase": lambda v: v["count"] * v["price"] * (1 + v["tax"] / 100),
    "team_fundraiser": lambda v: v["goal"] - v["members"] * v["each"] * (1 + v["sponsor"] / 100),
    "cinema_group_change": lambda v: v["bill"] - v["adults"] * v["adult_price"] - v["kids"] * v["kid_price"],
    "grocery_list_change": lambda v: v["bill"] - v["bread"] - v["milk_count"] * v["milk"] - v["eggs"],
    "bakery_week_profit": lambda v: (v["loaves"] * v["loaf_price"] + v["cakes"] * v["cake_price"]) * v["days"]
    * (1 - v["cost_pct"] / 100),
    "concert_revenue_tiers": lambda v: v["seats"] * v["floor_pct"] / 100 * v["floor_price"]
    + v["seats"] * (1 - v["floor_pct"] / 100) * v["sold_pct"] / 100 * v["stand_price"],
    "price_increase_twice": lambda v: abs(v["price"] * (1 + v["rise"] / 100) * (1 - v["cut"] / 100) - v["price"]),
    "bulk_vs_single": lambda v: v["needed"] * v["single"] - v["needed"] / v["pack"] * v["pack_price"],
    # -- ratios, averages, geometry, comparisons, several entities
    "ratio_boys_girls": lambda v: abs(v["boys_part"] - v["girls_part"]) * v["total"] / (v["boys_part"] + v["girls_part"]),
    "paint_mix_ratio": lambda v: v["b_liters"] * (v["a_part"] + v["b_part"]) / v["b_part"],
    "shared_prize": lambda v: v["prize"] * v["pc"] / (v["pa"] + v["pb"] + v["pc"]),
    "times_as_old": lambda v: v["kid_then"] * v["times"] + v["years_ago"],
    "test_average": lambda v: 4 * v["target"] - v["s1"] - v["s2"] - v["s3"],
    "daily_average_sales": lambda v: (v["mon"] + v["tue"] + v["wed"] + v["thu"] + v["fri"]) / 5,
    "relay_team_times": lambda v: (v["r1"] + v["r2"] + v["r3"] + v["r4"]) / 4,
    "garden_perimeter_posts": lambda v: 2 * (v["length"] + v["width"]) / v["gap"] * v["price"],
    "carpet_area_cost": lambda v: v["length"] * v["width"] * v["price"] + v["fee"],
    "tiles_border_and_inside": lambda v: (v["length"] - 2) * (v["width"] - 2) * v["inside_price"]
    + (2 * v["length"] + 2 * v["width"] - 4) * v["border_price"],
    "compare_phone_plans": lambda v: abs(v["fee_a"] - v["fee_b"] + (v["per_gb_a"] - v["per_gb_b"]) * v["gb"]),
    "gym_membership_compare": lambda v: abs(v["joining"] + v["months"] * (v["monthly"] - v["visit_price"] * v["visits"])),
    "taller_tree": lambda v: (v["h1"] - v["h2"]) / (v["g2"] - v["g1"]),
    "three_friends_books": lambda v: v["a_books"] + (v["a_books"] + v["more"]) * (1 + v["times"]),
    "ages_in_future": lambda v: 2 * v["age"] + v["gap"] + 2 * v["years"],
    # -- one step
    "gift_more_items": lambda v: v["has"] + v["more"],
    "produce_sold_left": lambda v: v["collected"] - v["sold"],
    "art_supply_boxes": lambda v: v["per_box"] * v["boxes"],
    "cookies_shared": lambda v: v["total"] / v["friends"],
    "tickets_cost": lambda v: v["price"] * v["count"],
    "movie_minutes_left": lambda v: v["length"] - v["watched"],
    "piggy_bank_earned": lambda v: v["has"] + v["earned"],
}


def test_every_scenario_has_an_independent_solution():
    assert set(SOLUTIONS) == set(scenario_names())


def test_there_are_at_least_100_scenarios_covering_gsm8k_kinds():
    assert len(scenario_names()) >= 100
    kinds = {k for name in scenario_names() for k in scenario(name).kinds}
    wanted = {"rate", "percent", "ratio", "unit_conversion", "time", "money_change", "unknown_start",
              "comparison", "several_entities", "remainder"}
    assert wanted <= kinds
    rounding = [n for n in scenario_names() if {"ceil", "floor"} & set(scenario(n).operations)]
    assert any("floor" in scenario(n).operations for n in rounding) and len(rounding) >= 8


@pytest.mark.parametrize("name", scenario_names())
def test_scenario_program_agrees_with_the_independent_solution(name):
    compiled, solve = scenario(name), SOLUTIONS[name]
    rng = random.Random(name)
    for _ in range(40):
        env, _ = compiled.draw(rng, 10**6)
        values = {k: F(str(x)) if not isinstance(x, str) else x for k, x in compiled.named(env).items()}
        assert F(solve(values)) == values[compiled.answer], (name, values)
