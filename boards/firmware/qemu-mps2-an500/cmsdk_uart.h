/* The Arm CMSDK APB UART (Cortex-M System Design Kit TRM, DDI 0479, "APB UART"), UART0 of the
 * mps2-an500 at 0x40004000. A one-byte transmit and a one-byte receive buffer; no FIFO. */
#ifndef FW_CMSDK_UART_H
#define FW_CMSDK_UART_H

#include "armv7m.h"

#define UART0_BASE 0x40004000u
#define UART_DATA(base) FW_REG32((base) + 0x00u)
#define UART_STATE(base) FW_REG32((base) + 0x04u)
#define UART_STATE_TXFULL (1u << 0)
#define UART_STATE_RXFULL (1u << 1)
#define UART_STATE_TXOVERRUN (1u << 2)  /* write 1 to clear */
#define UART_STATE_RXOVERRUN (1u << 3)  /* write 1 to clear */
#define UART_CTRL(base) FW_REG32((base) + 0x08u)
#define UART_CTRL_TXEN (1u << 0)
#define UART_CTRL_RXEN (1u << 1)
#define UART_CTRL_TXINTEN (1u << 2)
#define UART_CTRL_RXINTEN (1u << 3)
#define UART_INTSTATUS(base) FW_REG32((base) + 0x0Cu)   /* read: status; write 1: clear */
#define UART_INT_TX (1u << 0)
#define UART_INT_RX (1u << 1)
#define UART_BAUDDIV(base) FW_REG32((base) + 0x10u)     /* >= 16: baud = PCLK / BAUDDIV */

/* mps2-an500 wiring: UART0's receive interrupt is external interrupt 0, its transmit one 1. */
#define UART0_RX_IRQN 0u
#define MPS2_IRQ_COUNT 32u

#endif
