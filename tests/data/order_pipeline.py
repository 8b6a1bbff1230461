"""An order pipeline that fails: the traceback points at the line that raised.

Three orders are checked concurrently. One of them has a negative quantity,
and validating it raises ValueError inside a task; main() awaits the
gather and the exception travels up to asyncio.run().
"""

import asyncio


async def validate(order_id: int, quantity: int) -> int:
    await asyncio.sleep(0.5 * order_id)
    if quantity < 0:
        raise ValueError(f"order {order_id}: quantity {quantity} is negative")
    return quantity


async def main() -> int:
    quantities = await asyncio.gather(validate(1, 3), validate(2, -1), validate(3, 5))
    return sum(quantities)


if __name__ == "__main__":
    asyncio.run(main())
